"""``minigrad breaks export ID [--lang es]``: a break as a Markdown page a course can publish as is.

The texts come from the break's page; the diff from the live source; every observation and verdict
from running the cases and the diagnostics now.  PyTorch is never imported here: the diagnostics that
compare with it are marked skipped, and ``minigrad breaks run ID`` runs them.
"""

from __future__ import annotations

import numpy as np

from .. import __version__
from ..messages import text
from .case_diagnostics import Verdict, diagnose, probe_text, verdict_word, without_torch
from .case_report import describe, predicted_text, procedure_source, run_cases, word
from .case_report import observed_text as observed_words
from .core import Break, diff


def _markdown_table(rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return lines + ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows[1:]]


def export_page(brk: Break) -> str:
    def w(key: str) -> str:
        return word(key)

    lines = [
        f"# {brk.title()}",
        "",
        f"`{brk.id}` · "
        + w("x.at-a-glance").format(
            phase=brk.phase,
            family=text(f"lab.family_name.{brk.family}"),
            targets=", ".join(f"`{t}`" for t in brk.targets),
        ),
    ]
    lines += ["", f"## {w('hypothesis')}", "", brk.hypothesis(), "", f"## {w('lesson')}", "", brk.lesson()]
    if brk.engine_note is not None:
        lines += ["", f"## {w('engine')}", "", brk.engine_note()]
    lines += ["", f"## {w('diff')}", "", "```diff", diff(brk).rstrip(), "```"]
    lines += ["", f"## {w('x.try')}", "", w("how").format(id=brk.id), "", f"    minigrad breaks run {brk.id}"]
    lines += ["", f"## {w('x.cases')}", ""]
    lines += [w("x.measured").format(version=__version__, numpy=np.__version__, id=brk.id)]
    for i, result in enumerate(run_cases(brk), 1):
        case = result.case
        lines += [
            "",
            f"### {w('case')} {i}: {case.name()}",
            "",
            "```python",
            procedure_source(case).rstrip(),
            "```",
        ]
        lines += ["", f"- {w('correct')}:"] + [f"  - `{line}`" for line in describe(result.correct)]
        lines += [f"- {w('broken')}:"] + [f"  - `{line}`" for line in describe(result.broken)]
        lines += [f"  - {w('warning')}: `{warning}`" for warning in result.broken_warnings]
        verdict = w("holds" if result.hypothesis_holds else "fails")
        lines += [f"- {w('predicted')}: {predicted_text(case)}"]
        lines += [f"- {w('observed-short')}: {observed_words(result)}: **{verdict}**"]
        if case.note is not None:
            lines += [f"- {w('why')}: {case.note()}"]
    with without_torch():
        rows = diagnose(brk)
    keys = ("col.diagnostic", "col.should", "col.correct", "col.broken")
    table: list[tuple[str, ...]] = [tuple(w(k) for k in keys)]
    table += [
        (
            f"`{r.diagnostic}`",
            w("yes") if r.claimed else "",
            verdict_word(r, "correct"),
            verdict_word(r, "broken"),
        )
        for r in rows
    ]
    lines += ["", f"## {w('diagnostics')}", "", probe_text(brk) + ".", "", *_markdown_table(table)]
    reasons = dict.fromkeys(f.message for r in rows for f in (r.correct, r.broken) if f.verdict == Verdict.SKIPPED)
    for reason in reasons:
        names = [f"`{r.diagnostic}`" for r in rows if reason in (r.correct.message, r.broken.message)]
        lines += ["", w(reason).format(diagnostic=", ".join(names), id=brk.id)]
    return "\n".join(lines) + "\n"
