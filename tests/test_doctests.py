"""D5: every docstring example in the package runs, one test per module that has examples.

The modules are found by walking the imported ``minigrad`` package, so a new
module's examples are collected without editing this file.  Examples run with
doctest's default options (an example opts in to ``ELLIPSIS`` or ``SKIP``
itself), in a temporary working directory.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import types
from pathlib import Path

import pytest

import minigrad

OPTIONAL = {"torch", "matplotlib", "tqdm", "safetensors"}  # a module needing one is skipped only when it is missing
NOT_IMPORTABLE = {"minigrad.__main__"}  # importing it runs the command line


def module_names() -> list[str]:
    walked = pkgutil.walk_packages(minigrad.__path__, prefix="minigrad.")
    return ["minigrad", *sorted(info.name for info in walked if info.name not in NOT_IMPORTABLE)]


def import_module(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs the optional package {error.name}, which is not installed")
        raise


def examples(module: types.ModuleType) -> list[doctest.DocTest]:
    """The module's docstring tests that hold at least one example (only those defined in the module itself)."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [test for test in finder.find(module, module.__name__) if test.examples]


def run_examples(module: types.ModuleType) -> tuple[doctest.TestResults, str]:
    """Run every example of ``module``; return the counts and doctest's report of the failures."""
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.REPORT_NDIFF)
    for test in examples(module):
        runner.run(test, out=report.append)
    return doctest.TestResults(runner.failures, runner.tries), "".join(report)


def has_examples(name: str) -> bool:
    try:
        return bool(examples(importlib.import_module(name)))
    except ModuleNotFoundError as error:  # an optional package is missing: collect it, so that the test says so
        if error.name and error.name.split(".")[0] in OPTIONAL:
            return True
        raise


MODULES_WITH_EXAMPLES = [name for name in module_names() if has_examples(name)]


@pytest.mark.parametrize("name", MODULES_WITH_EXAMPLES)
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    results, report = run_examples(import_module(name))
    assert results.attempted > 0
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples of {name} fail:\n{report}"


def test_the_walk_finds_every_module_with_examples() -> None:
    """The walk reaches subpackages and their modules (were it to find nothing, the test above would run nothing)."""
    names = module_names()
    for expected in ("minigrad", "minigrad.nn", "minigrad.optim", "minigrad.breaks", "minigrad.diagnostics.gradcheck"):
        assert expected in names
    assert {"minigrad.nn", "minigrad.breaks", "minigrad.scalar"} <= set(MODULES_WITH_EXAMPLES)


def test_a_failing_example_fails() -> None:
    """The runner above reports a wrong example (so that test_docstring_examples_run can fail)."""
    module = types.ModuleType("fake_module", '>>> 1 + 1\n3\n>>> print("fine")\nfine\n')
    results, report = run_examples(module)
    assert (results.failed, results.attempted) == (1, 2)
    assert "1 + 1" in report
