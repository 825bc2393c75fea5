"""Break pages (``breaks/pages/<id>.md``): every break loads from its page, and a bad page is an error at its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minigrad.breaks.catalog import CODES, assemble, build
from minigrad.breaks.core import BreakCode, all_breaks
from minigrad.breaks.page import PageError, load_all, page_dir, parse

PAGES = sorted(page_dir().glob("*.md"))

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


def test_every_break_has_exactly_one_page_and_every_page_one_break() -> None:
    assert sorted(p.stem for p in PAGES) == sorted(all_breaks())
    assert sorted(c.id for c in CODES) == sorted(all_breaks())


def test_every_break_object_comes_from_its_page() -> None:
    pages = load_all()
    for break_id, brk in all_breaks().items():
        page = pages[break_id]
        assert brk.page == str(page.path)
        assert brk.title.es == page.texts["title"]["es"]
        assert brk.patches == page.patches
        assert [c.id for c in brk.cases] == [c.id for c in page.cases]
        assert brk.phase == page.phase and brk.catches == page.catches


def test_a_small_page_parses_into_joined_prose_and_exact_excerpts(tmp_path: Path) -> None:
    page = parse(tmp_path / "tiny.md", SMALL)
    assert page.texts["hypothesis"]["en"] == "One line and its continuation."
    assert page.cases[0].why == {"en": "a reason on two lines.", "es": "una razón."}
    (patch,) = page.patches
    assert patch.old == "        return unbroadcast(g, a_shape), unbroadcast(g, b_shape)\n"
    assert patch.new == "        return g, g\n"


def test_an_inline_excerpt_has_no_final_newline_and_an_empty_after_deletes(tmp_path: Path) -> None:
    source = SMALL.replace("```python before\n", "```python before inline\n").replace(
        "```python after\n        return g, g\n```", "```python after\n```"
    )
    (patch,) = parse(tmp_path / "tiny.md", source).patches
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
        (lambda s: s.replace("id: tiny", "id: other"), "id: other", "differs from the file name"),
    ],
)
def test_a_bad_page_is_an_error_naming_the_file_and_the_line(
    tmp_path: Path, edit: object, at: str | None, message: str
) -> None:
    source = edit(SMALL)  # type: ignore[operator]
    path = tmp_path / "tiny.md"
    with pytest.raises(PageError) as info:
        parse(path, source)
    text = str(info.value)
    assert text.startswith(f"{path}:") and message in text
    line = int(text[len(str(path)) + 1 :].split(":", 1)[0])
    if at is not None:
        assert line == _line_of(source, at)


def test_a_page_case_without_code_and_code_without_a_page_case_are_errors(tmp_path: Path) -> None:
    real = all_breaks()["value-assign-not-accumulate"]
    code = next(c for c in CODES if c.id == real.id)
    source = Path(real.page).read_text(encoding="utf-8")
    renamed = source.replace("### case a-times-a", "### case a-squared")
    page = parse(tmp_path / f"{real.id}.md", renamed)
    with pytest.raises(PageError, match=r"value-assign-not-accumulate\.md:\d+: case 'a-squared' has no code"):
        assemble(page, code)
    fewer = BreakCode(code.id, code.cases[:-1], code.probe)
    with pytest.raises(PageError, match="has no code"):
        assemble(parse(Path(real.page)), fewer)
    with pytest.raises(PageError, match="has code but no page"):
        build([code, BreakCode("no-such-page", code.cases, code.probe)], {real.id: parse(Path(real.page))})
    with pytest.raises(PageError, match="has no code"):
        build([], {real.id: parse(Path(real.page))})


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
    page = parse(page_path)
    texts = [t["es"] for t in page.texts.values()]
    texts += [c.name["es"] for c in page.cases] + [c.why["es"] for c in page.cases if c.why]
    prose = "\n".join(texts)
    prose = re.sub(r"'[^']*'|`[^`]*`", "", prose)  # quoted messages and code stay as they are
    return re.sub(r"[\w.]*_?\w+\(\)|_\w+|\.\w+|\w+-\w+(-\w+)*", "", prose)


def test_the_glossary_lists_the_words_spanish_prose_must_not_use() -> None:
    assert {"backward", "forward", "bug", "crashea"} <= set(_forbidden_in_spanish())


@pytest.mark.parametrize("page_path", PAGES, ids=[p.stem for p in PAGES])
def test_spanish_prose_follows_the_glossary(page_path: Path) -> None:
    prose = _spanish_prose(page_path)
    found = [w for w in _forbidden_in_spanish() if re.search(rf"\b{re.escape(w)}\b", prose, re.IGNORECASE)]
    assert not found, f"{page_path.name}: {found} in the Spanish texts (see docs/glossary.md)"
