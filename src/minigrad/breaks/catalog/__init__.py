"""The catalog of breaks: each break's page (texts, patch, phase) joined with its code (procedures, probe, checks).

The pages are ``breaks/pages/<id>.md``; the code is here, by family.  The
order is the course's: the spec's break (``skip-unbroadcast``) first with the
rest of the broadcasting family, then the engine, the ops, the scalar
``Value`` of phase 7 and the modules.  A page without code, code without a
page, or a case on one side only is an error naming the page and the line.
"""

from __future__ import annotations

from ..core import Break, BreakCode, Case
from ..page import Page, PageError, load_all, page_dir
from . import attention, broadcasting, engine, learner_engine, learner_ops, modules, ops, scalar


def assemble(page: Page, code: BreakCode) -> Break:
    """One break from its page and its code; any mismatch names the page's line."""
    on_page = [c.id for c in page.cases]
    in_code = [c.id for c in code.cases]
    for case in page.cases:
        if case.id not in in_code:
            raise PageError(page.path, case.line, f"case {case.id!r} has no code (no CaseCode in catalog for it)")
    missing = [c for c in in_code if c not in on_page]
    if missing:
        raise PageError(page.path, 1, f"the code of {code.id} has case(s) {missing} that the page does not describe")
    runs = {c.id: c for c in code.cases}
    cases = tuple(
        Case(c.id, c.name_text(), runs[c.id].run, runs[c.id].predicted, c.why_text(), runs[c.id].expect)
        for c in page.cases
    )
    return Break(
        id=page.id,
        title=page.text("title"),
        lesson=page.text("lesson"),
        hypothesis=page.text("hypothesis"),
        patches=page.patches,
        cases=cases,
        probe=code.probe,
        catches=page.catches,
        family=page.family,
        phase=page.phase,
        page=str(page.path),
        checks=code.checks,
        engine_note=page.text("engine") if page.engine_specific else None,
    )


def build(codes: list[BreakCode], pages: dict[str, Page]) -> dict[str, Break]:
    """Every break, in the order of ``codes``; a page without code or code without a page is an error."""
    by_id: dict[str, BreakCode] = {}
    for code in codes:
        if code.id in by_id:
            raise PageError(page_dir() / f"{code.id}.md", 1, f"break {code.id} has code twice in the catalog")
        by_id[code.id] = code
    for page in pages.values():
        if page.id not in by_id:
            raise PageError(page.path, 1, f"the page of {page.id} has no code (no BreakCode in the catalog)")
    for code in codes:
        if code.id not in pages:
            raise PageError(page_dir() / f"{code.id}.md", 1, f"break {code.id} has code but no page")
    return {code.id: assemble(pages[code.id], code) for code in codes}


FAMILIES = (broadcasting, engine, ops, scalar, learner_engine, learner_ops, modules, attention)
CODES: list[BreakCode] = [c for family in FAMILIES for c in family.BREAKS]
BREAKS: dict[str, Break] = build(CODES, load_all())
