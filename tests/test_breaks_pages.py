"""Break folders (``breaks/catalog/<id>/``): every break loads from its folder, and a bad page, a case without
its script or a script without its case is an error naming the file and the line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad.breaks.core import Expect, Outcome, all_breaks
from minigrad.breaks.page import PageError, catalog_dir, load_all, parse

PAGES = sorted(catalog_dir().glob("*/page.md"))

SMALL = """\
---
id: tiny
phase: 8
family: ops
catches: gradcheck
---

## patch ops.elementwise:add

```python before
        return unbroadcast(g, a_shape), unbroadcast(g, b_shape)
```

```python after
        return g, g
```

## cases

- first: wrong values; `a.grad` factor 0.25

## en

### title

A title

### hypothesis

One line
and its continuation.

### lesson

A lesson.

### case first

name: the first case

why: a reason
on two lines.

## es

### title

Un título

### hypothesis

Una hipótesis.

### lesson

Una lección.

### case first

name: el primer caso

why: una razón.
"""


def _folder(tmp_path: Path, source: str = SMALL, cases: tuple[str, ...] = ("first",)) -> Path:
    """A break folder ``tiny/`` with its page, a script per case and a probe."""
    folder = tmp_path / "tiny"
    (folder / "cases").mkdir(parents=True)
    (folder / "page.md").write_text(source, encoding="utf-8")
    for case_id in cases:
        (folder / "cases" / f"{case_id}.py").write_text("observed = {}\n")
    (folder / "probe.py").write_text("PROBE = None\n")
    return folder


def test_every_folder_is_one_break_and_every_break_one_folder() -> None:
    folders = sorted(p.name for p in catalog_dir().iterdir() if p.is_dir() and p.name[0] not in "._")
    assert folders == sorted(all_breaks()) == sorted(p.parent.name for p in PAGES)
    assert len(folders) == 81


def test_every_break_object_comes_from_its_folder() -> None:
    for break_id, brk in all_breaks().items():
        assert brk.folder == catalog_dir() / break_id and brk.page == str(brk.folder / "page.md")
        assert sorted(c.script.name for c in brk.cases) == sorted(p.name for p in (brk.folder / "cases").glob("*.py"))
        assert all(c.script == brk.folder / "cases" / f"{c.id}.py" for c in brk.cases)


def test_reading_the_catalog_imports_no_probe_check_or_training_code() -> None:
    code = (
        "import sys; from minigrad.breaks import all_breaks; assert len(all_breaks()) == 81; "
        "print(sorted(m for m in sys.modules if 'catalog.' in m or 'training' in m or m.startswith('torch')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout


def test_a_small_folder_parses_into_joined_prose_exact_excerpts_and_predictions(tmp_path: Path) -> None:
    brk = parse(_folder(tmp_path))
    assert brk.hypothesis.en == "One line and its continuation."
    (case,) = brk.cases
    assert case.note is not None and (case.note.en, case.note.es) == ("a reason on two lines.", "una razón.")
    assert case.predicted == {Outcome.WRONG_VALUES} and case.expect == Expect("a.grad", factor=0.25)
    assert case.script == tmp_path / "tiny" / "cases" / "first.py"
    (patch,) = brk.patches
    assert patch.old == "        return unbroadcast(g, a_shape), unbroadcast(g, b_shape)\n"
    assert patch.new == "        return g, g\n"


@pytest.mark.parametrize(
    ("line", "predicted", "expect"),
    [
        ("- first: crash or wrong shape", {Outcome.CRASH, Outcome.WRONG_SHAPE}, None),
        ("- first: same as correct", {Outcome.SAME}, None),
        ("- first: wrong shape; `col.grad` shape (3, 5)", {Outcome.WRONG_SHAPE}, Expect("col.grad", shape=(3, 5))),
        (
            "- first: wrong values; `logit std at d_k=64` factor 8.0",
            {Outcome.WRONG_VALUES},
            Expect("logit std at d_k=64", 8.0),
        ),
        ("- first: wrong values; `x.grad` factor -1", {Outcome.WRONG_VALUES}, Expect("x.grad", factor=-1.0)),
    ],
)
def test_a_case_line_gives_the_predicted_outcomes_and_the_stated_number(
    tmp_path: Path, line: str, predicted: set[Outcome], expect: Expect | None
) -> None:
    source = SMALL.replace("- first: wrong values; `a.grad` factor 0.25", line)
    (case,) = parse(_folder(tmp_path, source)).cases
    assert case.predicted == predicted and case.expect == expect


def test_an_inline_excerpt_has_no_final_newline_and_an_empty_after_deletes(tmp_path: Path) -> None:
    source = SMALL.replace("```python before\n", "```python before inline\n").replace(
        "```python after\n        return g, g\n```", "```python after\n```"
    )
    (patch,) = parse(_folder(tmp_path, source)).patches
    assert patch.old == "        return unbroadcast(g, a_shape), unbroadcast(g, b_shape)"
    assert patch.new == ""


def _line_of(source: str, text: str) -> int:
    return source[: source.index(text)].count("\n") + 1


@pytest.mark.parametrize(
    ("edit", "at", "message"),
    [
        (lambda s: s.replace("## es", "## fr"), "## fr", "unknown section '## fr'"),
        (lambda s: s.replace("phase: 8", "phase: eight"), "phase: eight", "phase is the course phase number"),
        (lambda s: s.replace("family: ops", "familly: ops"), "familly", "unknown front matter key 'familly'"),
        (lambda s: s.replace("### lesson\n\nUna lección.\n\n", ""), None, "'### lesson' is missing under '## es'"),
        (lambda s: s.replace("### title\n\nA title", "### titel\n\nA title"), "### titel", "unknown section"),
        (lambda s: s.replace("why: una razón.", "porque: una razón."), "porque:", "starts with 'name:' or 'why:'"),
        (lambda s: s.replace("### case first\n\nname: el", "### case second\n\nname: el"), None, "cases differ"),
        (lambda s: s.replace("        return g, g\n```", "        return g, g\n"), "```python after", "not closed"),
        (lambda s: s.replace("id: tiny", "id: other"), "id: other", "differs from the folder name"),
        (lambda s: s.replace("- first: wrong", "- first: wrongish"), "- first:", "unknown outcome 'wrongish"),
        (lambda s: s.replace("- first:", "* first:"), "* first:", "a case line reads '- case-id: predicted"),
        (lambda s: s.replace("factor 0.25", "factor a quarter"), "- first:", "is not a factor: 'a quarter'"),
        (lambda s: s.replace("`a.grad` factor", "`a.grad` times"), "- first:", "a stated number reads"),
        (lambda s: s.replace("## cases\n\n- first: wrong values; `a.grad` factor 0.25\n", ""), None, "no '## cases'"),
        (lambda s: s.replace("- first: wrong", "- first: same as correct\n- second: wrong"), None, "'## cases' lists"),
    ],
)
def test_a_bad_page_is_an_error_naming_the_file_and_the_line(
    tmp_path: Path, edit: object, at: str | None, message: str
) -> None:
    source = edit(SMALL)  # type: ignore[operator]
    folder = _folder(tmp_path, source)
    path = folder / "page.md"
    with pytest.raises(PageError) as info:
        parse(folder)
    text = str(info.value)
    assert text.startswith(f"{path}:") and message in text
    line = int(text[len(str(path)) + 1 :].split(":", 1)[0])
    if at is not None:
        assert line == _line_of(source, at)


def test_a_case_without_its_script_and_a_script_without_its_case_are_errors(tmp_path: Path) -> None:
    folder = _folder(tmp_path, cases=())
    with pytest.raises(PageError, match=r"tiny/page\.md:\d+: case 'first' has no script cases/first\.py"):
        parse(folder)
    (folder / "cases" / "first.py").write_text("observed = {}\n")
    (folder / "cases" / "extra.py").write_text("observed = {}\n")
    with pytest.raises(PageError, match=r"tiny/cases/extra\.py:1: this case script is not listed under '## cases'"):
        parse(folder)
    (folder / "cases" / "extra.py").unlink()
    (folder / "probe.py").unlink()
    with pytest.raises(PageError, match=r"tiny/page\.md:1: the break has no probe\.py"):
        parse(folder)


def test_the_catalog_is_read_from_every_folder_in_course_order(tmp_path: Path) -> None:
    _folder(tmp_path)
    assert list(load_all(tmp_path)) == ["tiny"]
    phases = [b.phase for b in load_all().values()]
    assert phases == sorted(phases)


GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"


def _forbidden_in_spanish() -> list[str]:
    words = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2] and cells[0] not in ("English", "---"):
            words += [w.strip() for w in cells[2].split(",") if w.strip()]
    return words


def _spanish_prose(page_path: Path) -> str:
    """The Spanish texts of a page, minus code names (backward(), _backward, x.backward) and quotes."""
    brk = parse(page_path.parent)
    texts = [t.es for t in (brk.title, brk.hypothesis, brk.lesson, brk.engine_note) if t is not None]
    texts += [c.name.es for c in brk.cases] + [c.note.es for c in brk.cases if c.note is not None]
    prose = "\n".join(texts)
    prose = re.sub(r"'[^']*'|`[^`]*`", "", prose)  # quoted messages and code stay as they are
    return re.sub(r"[\w.]*_?\w+\(\)|_\w+|\.\w+|\w+-\w+(-\w+)*", "", prose)


def test_the_glossary_lists_the_words_spanish_prose_must_not_use() -> None:
    assert {"backward", "forward", "bug", "crashea"} <= set(_forbidden_in_spanish())


@pytest.mark.parametrize("page_path", PAGES, ids=[p.parent.name for p in PAGES])
def test_spanish_prose_follows_the_glossary(page_path: Path) -> None:
    prose = _spanish_prose(page_path)
    found = [w for w in _forbidden_in_spanish() if re.search(rf"\b{re.escape(w)}\b", prose, re.IGNORECASE)]
    assert not found, f"{page_path}: {found} in the Spanish texts (see docs/glossary.md)"
