"""The package's names: one file name says one thing (issue 16, section 5), and docs/layout.md maps every file.

The oracle is the tree on disk: the tests walk ``src/minigrad`` themselves and compare with the rule and with
the map written by hand in ``docs/layout.md`` and ``docs/layout.es.md``.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "minigrad"
CATALOG = PACKAGE / "breaks" / "catalog"
# Every break folder holds the same few names (docs/breaks-page-format.md): they repeat by design.
BREAK_FOLDER_FILES = {"page.md", "probe.py", "checks.py", "fingerprint.json", "cases"}
# One name in two layers, kept on purpose (docs/layout.md says why): the op, and the module built on it.
SAME_NAME_BY_LAYER = {"attention.py": {"ops/attention.py", "nn/attention.py"}}
MAPS = {"en": ROOT / "docs" / "layout.md", "es": ROOT / "docs" / "layout.es.md"}


def _is_generated(path: Path) -> bool:
    """Caches that tools leave in the tree (``__pycache__``, ``.ruff_cache``...): not part of the package."""
    return any(part == "__pycache__" or part.endswith("_cache") for part in path.parts) or path.suffix == ".pyc"


def library_files() -> list[str]:
    """Every file of the package outside the break folders, relative to ``src/minigrad``."""
    files = []
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE)
        in_break_folder = relative.parts[:2] == ("breaks", "catalog") and len(relative.parts) > 3
        if path.is_file() and not _is_generated(relative) and not in_break_folder:
            files.append(relative.as_posix())
    return sorted(files)


def shared_names(files: Iterable[str]) -> dict[str, list[str]]:
    """The file names that more than one file carries (``__init__.py`` and the allowed pairs left out)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for file in files:
        by_name[file.rsplit("/", 1)[-1]].append(file)
    return {
        name: sorted(paths)
        for name, paths in by_name.items()
        if len(paths) > 1 and name != "__init__.py" and set(paths) != SAME_NAME_BY_LAYER.get(name)
    }


def test_no_two_files_of_the_package_share_a_name() -> None:
    shared = shared_names(library_files())
    assert shared == {}, f"rename by role (docs/layout.md, the naming rule): {shared}"


def test_the_rule_sees_a_shared_name() -> None:
    # The same walk over a made-up tree: a second cli.py and a third attention.py are both reported.
    files = ["cli.py", "breaks/cli.py", "ops/attention.py", "nn/attention.py", "nn/__init__.py", "__init__.py"]
    assert shared_names(files) == {"cli.py": ["breaks/cli.py", "cli.py"]}
    assert "attention.py" in shared_names([*files, "breaks/shared/attention.py"])


def test_a_break_folder_holds_only_the_break_folder_files() -> None:
    folders = [p for p in CATALOG.iterdir() if p.is_dir() and not _is_generated(p.relative_to(CATALOG))]
    assert {p.name for p in folders} == {b.parent.name for b in CATALOG.glob("*/page.md")}  # no stray folder
    assert len(folders) > 50
    for folder in folders:
        names = {p.name for p in folder.iterdir() if not _is_generated(p.relative_to(CATALOG))}
        assert names <= BREAK_FOLDER_FILES, f"{folder.name}: {sorted(names - BREAK_FOLDER_FILES)}"
        assert {"page.md", "probe.py", "cases"} <= names, folder.name


def mapped_files(page: Path) -> list[str]:
    """The files a layout page lists: the first column of its tables, a path in backquotes."""
    return [
        m.group(1)
        for line in page.read_text(encoding="utf-8").splitlines()
        if (m := re.match(r"\| `([^`]+)` \|", line))
    ]


@pytest.mark.parametrize("lang", sorted(MAPS))
def test_the_layout_page_maps_every_file_once(lang: str) -> None:
    mapped = mapped_files(MAPS[lang])
    repeated = sorted({f for f in mapped if mapped.count(f) > 1})
    tree = set(library_files())
    assert repeated == []
    assert sorted(tree - set(mapped)) == [], f"{MAPS[lang].name} lacks these files (one table row each)"
    assert sorted(set(mapped) - tree) == [], f"{MAPS[lang].name} lists files that do not exist"


# ------------------------------------------------------------------------------------------- the layers' arrows

LAYERS = ("texts", "engine", "library", "diagnostics", "lab", "doctor", "training", "edge")  # docs/layout.md
# The arrows that still run the wrong way, each named in docs/layout.md ("The arrows that still run the wrong
# way"): a new one fails the test below; removing one needs no change here.
KNOWN_UPWARD = {
    ("breaks/shared/attention_probes.py", "training/gpt.py"),
    ("breaks/shared/training.py", "run_doctor.py"),
    ("dashboard.py", "commandline.py"),
    ("training/gpt.py", "commandline.py"),
    ("training/loop.py", "commandline.py"),
    ("training/plots.py", "commandline.py"),
    ("training/tracking.py", "commandline.py"),
}


def layers_of(page: Path) -> dict[str, str]:
    rows = (re.match(r"\| `([^`]+)` \| (\w+) \|", line) for line in page.read_text(encoding="utf-8").splitlines())
    return {row.group(1): row.group(2) for row in rows if row}


def _module_file(dotted: list[str]) -> str | None:
    path = PACKAGE.joinpath(*dotted)
    if (path / "__init__.py").is_file():
        return (path / "__init__.py").relative_to(PACKAGE).as_posix()
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py").relative_to(PACKAGE).as_posix()
    return None


def relative_imports(file: str) -> set[str]:
    """The package files that ``file`` imports, at the top or inside a function (relative imports only: the
    package imports itself no other way)."""
    folder = file.split("/")[:-1]
    found = set()
    for node in ast.walk(ast.parse((PACKAGE / file).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = folder[: len(folder) - (node.level - 1)]
            module = [*base, *(node.module.split(".") if node.module else [])]
            for alias in node.names:  # `from . import mystery` imports a module; `from .core import Break` a name
                target = _module_file([*module, alias.name]) or _module_file(module)
                if target is not None and target != file:
                    found.add(target)
    return found


def upward_arrows(layers: dict[str, str]) -> set[tuple[str, str]]:
    """(importer, imported) where the imported file sits in a later layer; the edge and the package root, which
    only start things or re-export them, are left out."""
    arrows = set()
    for file, layer in layers.items():
        if file.endswith(".py") and layer != "edge" and file != "__init__.py":
            for target in relative_imports(file):
                if LAYERS.index(layers[target]) > LAYERS.index(layer):
                    arrows.add((file, target))
    return arrows


def test_every_layer_of_the_map_is_a_known_layer() -> None:
    for page in MAPS.values():
        assert set(layers_of(MAPS["en"])) == set(layers_of(page))
    assert set(layers_of(MAPS["en"]).values()) <= set(LAYERS)


def test_imports_run_down_the_layers_but_for_the_named_exceptions() -> None:
    new = sorted(upward_arrows(layers_of(MAPS["en"])) - KNOWN_UPWARD)
    assert new == [], f"imports from a later layer (docs/layout.md, the layers): {new}"


def test_the_arrow_check_sees_an_import_from_a_later_layer() -> None:
    # tensor.py (engine) imports messages (texts): allowed; with the layers swapped it is an arrow the wrong way.
    layers = layers_of(MAPS["en"])
    assert ("tensor.py", "messages/__init__.py") not in upward_arrows(layers)
    assert "messages/__init__.py" in relative_imports("engine.py")
    swapped = {**layers, "engine.py": "texts", "messages/__init__.py": "edge"}
    assert ("engine.py", "messages/__init__.py") in upward_arrows(swapped)
