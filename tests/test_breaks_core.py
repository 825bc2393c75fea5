"""The patching mechanism on small target modules written here: default arguments, closures, failures.

Each test writes a tiny module, imports it as ``minigrad._lab_target_<n>`` (a break's target is named
relative to the package) and registers a throwaway break on it for the test's duration.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from minigrad.breaks import core
from minigrad.breaks.core import (
    Break,
    BreakError,
    Case,
    Patch,
    Text,
    active,
    all_breaks,
    disable,
    enable,
    inject,
)

_counter = itertools.count()


@pytest.fixture
def target_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    source = textwrap.dedent(
        """
        def scale(x, factor=2.0):
            return x * factor


        def shift(x, *, by=1.0):
            return x + by


        def make_adder(y):
            def add_y(x):
                return x + y

            return add_y


        add_y = make_adder(10.0)


        class Base:
            def f(self):
                return 1


        class Child(Base):
            def f(self):
                return super().f() + 1


        def plain(x):
            return x + 1
        """
    )
    name = f"_lab_target_{next(_counter)}"
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"minigrad.{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, f"minigrad.{name}", module)
    spec.loader.exec_module(module)
    yield module
    for break_id in active():
        disable(break_id)


def _register(monkeypatch: pytest.MonkeyPatch, break_id: str, *patches: Patch) -> None:
    text = Text("t", "t")
    brk = Break(
        id=break_id,
        title=text,
        lesson=text,
        hypothesis=text,
        patches=patches,
        cases=(Case("c", text, Path("<no script>"), frozenset()),),
        catches=(),
        family="test",
        phase=0,
        folder=Path("<test>"),
    )
    monkeypatch.setitem(all_breaks(), break_id, brk)


def test_a_break_on_a_default_argument_changes_what_runs_and_is_restored(
    target_module: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = target_module.__name__.removeprefix("minigrad.")
    _register(monkeypatch, "t-default", Patch(f"{mod}:scale", "factor=2.0", "factor=3.0"))
    _register(monkeypatch, "t-kwdefault", Patch(f"{mod}:shift", "by=1.0", "by=-5.0"))
    scale, shift = target_module.scale, target_module.shift
    assert scale(1.0) == 2.0 and shift(1.0) == 2.0
    with inject("t-default", "t-kwdefault"):
        assert scale(1.0) == 3.0  # the default the diff shows is the default that runs
        assert shift(1.0) == -4.0
        assert scale(1.0, 4.0) == 4.0
    assert scale(1.0) == 2.0 and shift(1.0) == 2.0
    assert scale.__defaults__ == (2.0,) and shift.__kwdefaults__ == {"by": 1.0}


@pytest.mark.parametrize(
    ("qualname", "old", "new", "why", "fix"),
    [
        ("add_y", "return x + y", "return x - y", "closure over y", "Target the enclosing function"),
        ("Child.f", "+ 1", "+ 2", r"zero-argument super\(\)", "Write super(ClassName, self)"),
    ],
)
def test_a_target_with_free_variables_is_refused_before_anything_is_recorded(
    target_module: types.ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    qualname: str,
    old: str,
    new: str,
    why: str,
    fix: str,
) -> None:
    mod = target_module.__name__.removeprefix("minigrad.")
    _register(monkeypatch, "t-free", Patch(f"{mod}:{qualname}", old, new))
    _register(monkeypatch, "t-plain", Patch(f"{mod}:plain", "x + 1", "x + 2"))
    with pytest.raises(BreakError, match=rf"t-free: cannot patch {mod}:{qualname}: .*{why}") as info:
        enable("t-free")
    assert fix in str(info.value)
    assert active() == [] and f"{mod}:{qualname}" not in core._patched
    assert target_module.add_y(1.0) == 11.0 and target_module.Child().f() == 2
    with inject("t-plain"):  # no stale entry poisons the next break
        assert target_module.plain(1.0) == 3.0
    assert target_module.plain(1.0) == 2.0


def test_a_break_that_fails_on_its_second_target_leaves_the_first_untouched(
    target_module: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = target_module.__name__.removeprefix("minigrad.")
    _register(
        monkeypatch,
        "t-half",
        Patch(f"{mod}:plain", "x + 1", "x + 2"),
        Patch(f"{mod}:scale", "return x * factor", "return x * (factor"),  # a syntax error
    )
    _register(monkeypatch, "t-plain", Patch(f"{mod}:plain", "x + 1", "x + 3"))
    code = target_module.plain.__code__
    with pytest.raises(BreakError, match=r"t-half: the edited source of .*:scale does not compile"):
        enable("t-half")
    assert active() == [] and core._patched == {}
    assert target_module.plain.__code__ is code and target_module.scale(1.0) == 2.0
    with inject("t-plain"):
        assert target_module.plain(1.0) == 4.0
    assert target_module.plain.__code__ is code
