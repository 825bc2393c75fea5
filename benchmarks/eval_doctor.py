"""How well ``minigrad doctor`` does on engines it has never seen: the corpus in tests/engines/corpus.

Every clean engine, every single-bug mutant and every "as found" engine (several bugs at once) is
written to a temporary folder of its own and examined by ``minigrad doctor FILE:CLASS --cwd FOLDER --json``
in a process of its own, as a learner would run it (no flags).  The bugs are known beforehand
(tests/test_doctor_corpus.py establishes each one with PyTorch float64), so the doctor's answers can be scored:

- examined: the doctor returned a report that ran at least one check (no crash, no timeout, no
  refusal), and never said "ok" on an engine with a bug (a silent "ok");
- shown: a known bug whose engine gets at least one failing check;
- named: a known bug (or a catalog id that is the very same bug there) among the candidates;
- top-3 real: the share of the top-3 candidates, over every engine with bugs, that are bugs it has;
- first / top 3: single-bug mutants whose bug is the first candidate / among the first three;
- false alarms: failing checks on the clean engines (each agrees with PyTorch).

Usage::

    python benchmarks/eval_doctor.py                 # the table and the totals
    python benchmarks/eval_doctor.py --json          # the same as JSON
    python benchmarks/eval_doctor.py --only value_classic --jobs 1
    python benchmarks/eval_doctor.py --json > saved.json
    python benchmarks/eval_doctor.py --load saved.json   # the saved outcomes ranked again by today's ranking
    python benchmarks/eval_doctor.py --heldout --json    # the held-out set (manifest.HELDOUT) instead

``--heldout`` evaluates the held-out engines (``HELDOUT`` and ``HELDOUT_AS_FOUND`` in the manifest), written
after the ranking was tuned: the same rows and totals, a held-out measurement of the doctor.

``--json`` keeps each run's check outcomes (status and structured findings) and the kind of engine, so
``--load`` re-ranks them with the current :mod:`minigrad.doctor.ranking` and fingerprints and scores the
candidates again, in seconds: iterate on the ranking that way, and run the doctor again only when the checks
change.

At most two doctors run at once (``--jobs``, default 1: each doctor already runs two children).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from engines.corpus.manifest import ENGINES, HELDOUT, NEW_IDS, Case, cases  # noqa: E402

TIMEOUT = 240.0  # seconds for one doctor run, import and every check included


def examine(case: Case, folder: Path) -> dict[str, Any]:
    """Run the doctor on ``case`` in ``folder``; the raw outcome (report or failure) and the wall time."""
    case.write(folder)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "minigrad", "doctor", f"{case.engine.file}:{case.engine.target}"]
    command += ["--cwd", str(folder), "--json"]
    started = time.perf_counter()
    try:
        run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return {"failure": f"timeout after {TIMEOUT:.0f} s", "seconds": time.perf_counter() - started}
    seconds = time.perf_counter() - started
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        tail = (run.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        return {"failure": f"exit {run.returncode}, no JSON: {tail[:160]}", "seconds": seconds}
    return {"report": report, "exit": run.returncode, "seconds": seconds}


def _rank(ids: list[str], right: set[str]) -> int | None:
    return next((i for i, b in enumerate(ids) if b in right), None)


def _outcomes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The check outcomes the ranking reads, from a report's JSON (``not present`` and ``not measured`` are
    neither a pass nor a failure to it)."""
    keep = ("status", "findings", "failed_reps", "reps")
    return {c["id"]: {k: c[k] for k in keep if k in c} for c in report.get("checks", [])}


def rerank(row: dict[str, Any]) -> list[str]:
    """The candidates today's ranking gives for a saved row's outcomes."""
    from minigrad.doctor import fingerprints
    from minigrad.doctor.ranking import rank

    scalar = bool(row["scalar"])
    prints = fingerprints.load()["scalar" if scalar else "tensor"]["breaks"]
    return [c.break_id for c in rank(row["outcomes"], prints, scalar)]


def score(case: Case, raw: dict[str, Any]) -> dict[str, Any]:
    """One row of the table: what the doctor said about ``case``, scored against its known bugs."""
    bug_ids = [b.id for b in case.bugs]
    right = {b.id for b in case.bugs} | {a for b in case.bugs for a in b.also_right}
    row: dict[str, Any] = {
        "case": case.name,
        "engine": case.engine.name,
        "kind": case.kind,
        "style": case.engine.style,
        "dtype": case.engine.dtype,
        "bugs": bug_ids,
        "seconds": round(raw["seconds"], 1),
        "failure": raw.get("failure", ""),
    }
    report = raw.get("report")
    checks = report.get("checks", []) if report else []
    statuses = [c.get("status", "") for c in checks]
    failing = [c["id"] for c in checks if c.get("status") == "fail"]
    candidates = [c.get("break_id", "") for c in (report.get("diagnosis", []) if report else [])]
    ran = sum(s in ("pass", "fail") for s in statuses)
    status = report.get("status") if report else None  # newer doctors: ok, bugs-found, not-examined, error
    ok = bool(report) and (status == "ok" if status is not None else bool(report.get("ok")))
    examined = bool(report) and ran > 0 and status not in ("not-examined", "error")
    if report and status in ("not-examined", "error"):  # a report that says why the engine was not examined
        why = report.get("error") or report.get("message") or report.get("reason") or ""
        row["failure"] = f"status {status}: {str(why)[:140]}"
    ranks = [_rank(candidates, {b.id, *b.also_right}) for b in case.bugs]
    top3 = candidates[:3]
    row.update(
        {
            "examined": examined,
            "silent_ok": bool(case.bugs) and ok,
            "status": status if status is not None else ("ok" if ok else ("bugs-found" if report else "error")),
            "checks_run": ran,
            "failing": failing,
            "not_present": statuses.count("not present"),
            "not_measured": sum(s not in ("pass", "fail", "not present") for s in statuses),
            "false_alarms": len(failing) if not case.bugs else 0,
            "candidates": candidates,
            "rank": min((r for r in ranks if r is not None), default=None),
            "bug_ranks": dict(zip(bug_ids, ranks)),
            "top3_real": sum(c in right for c in top3),
            "top3_shown": len(top3),
            "scalar": bool(report.get("scalar")) if report else case.engine.scalar,
            "outcomes": _outcomes(report) if report else {},
        }
    )
    return row


def rescored(saved: list[dict[str, Any]], heldout: bool = False) -> list[dict[str, Any]]:
    """Saved rows, their candidates ranked again (rows without outcomes, a crash or a refusal, stay as saved)."""
    by_name = {c.name: c for c in cases(heldout=heldout)}
    rows = []
    for old in saved:
        case = by_name.get(old["case"])
        if case is None or not old.get("outcomes"):
            rows.append(old)
            continue
        checks = [{"id": i, **o} for i, o in old["outcomes"].items()]
        report = {"checks": checks, "status": old["status"], "scalar": old["scalar"]}
        report["diagnosis"] = [{"break_id": b} for b in rerank(old)]
        row = score(case, {"report": report, "seconds": old["seconds"]})
        row["failure"] = old["failure"]
        rows.append(row)
    return rows


def totals(rows: list[dict[str, Any]], heldout: bool = False) -> dict[str, Any]:
    buggy = [r for r in rows if r["bugs"]]
    singles = [r for r in rows if r["kind"] == "mutant"]
    known = [(r, b) for r in buggy for b in r["bugs"]]
    catalog = [(r, b) for r, b in known if b not in NEW_IDS]
    catalog_singles = [r for r in singles if r["bugs"][0] not in NEW_IDS]

    def share(n: int, d: int) -> float:
        return round(n / d, 4) if d else 0.0

    shown = sum(bool(r["failing"]) for r, _ in known)
    named = sum(r["bug_ranks"][b] is not None for r, b in known)
    top3_shown = sum(r["top3_shown"] for r in buggy)
    first = sum(r["rank"] == 0 for r in singles)
    top3 = sum(r["rank"] is not None and r["rank"] < 3 for r in singles)
    return {
        "engines": len(HELDOUT if heldout else ENGINES),
        "cases": len(rows),
        "clean": sum(r["kind"] == "clean" for r in rows),
        "mutants": len(singles),
        "as_found": sum(r["kind"] == "as-found" for r in rows),
        "examined": sum(r["examined"] and not r["silent_ok"] for r in rows),
        "crashed_or_timed_out": sum(r["failure"].startswith(("timeout", "exit")) for r in rows),
        "refused": sum(r["failure"].startswith("status") for r in rows),
        "no_check_ran": sum(not r["failure"] and not r["examined"] for r in rows),
        "silent_ok": sum(r["silent_ok"] for r in rows),
        "known_bugs": len(known),
        "shown": shown,
        "shown_rate": share(shown, len(known)),
        "named": named,
        "named_rate": share(named, len(known)),
        "top3_candidates": top3_shown,
        "top3_real": sum(r["top3_real"] for r in buggy),
        "top3_real_rate": share(sum(r["top3_real"] for r in buggy), top3_shown),
        "false_alarm_checks": sum(r["false_alarms"] for r in rows),
        "first": first,
        "first_rate": share(first, len(singles)),
        "top3": top3,
        "top3_rate": share(top3, len(singles)),
        "catalog_bugs": len(catalog),
        "catalog_named_rate": share(sum(r["bug_ranks"][b] is not None for r, b in catalog), len(catalog)),
        "catalog_first_rate": share(sum(r["rank"] == 0 for r in catalog_singles), len(catalog_singles)),
        "catalog_top3_rate": share(
            sum(r["rank"] is not None and r["rank"] < 3 for r in catalog_singles), len(catalog_singles)
        ),
        "seconds_total": round(sum(r["seconds"] for r in rows), 1),
        "seconds_max": max((r["seconds"] for r in rows), default=0.0),
    }


def render(rows: list[dict[str, Any]], total: dict[str, Any], wall: float, heldout: bool = False) -> str:
    out = ["Held-out engines" if heldout else "Engines", f"{'engine':22} {'dtype':7} {'mutations':>9}  style"]
    for e in (HELDOUT if heldout else ENGINES).values():
        out.append(f"{e.name:22} {e.dtype:7} {len(e.bugs):>9}  {e.style}")
    out += ["", "Doctor runs (rank: of the first real bug among the candidates; -: not named)"]
    header = f"{'case':44} {'kind':8} {'dtype':7} {'bugs':>4} {'rank':>4} {'top3':>4} {'fail':>4} {'FA':>3} "
    header += f"{'np':>3} {'nm':>3} {'s':>6}  top-3 candidates / what went wrong"
    out.append(header)
    for r in rows:
        rank = "-" if r["rank"] is None else str(r["rank"] + 1)
        in3 = "" if not r["bugs"] else ("yes" if r["rank"] is not None and r["rank"] < 3 else "no")
        note = r["failure"] or ("SILENT OK " if r["silent_ok"] else "") + (", ".join(r["candidates"][:3]) or "-")
        if not r["failure"] and not r["examined"]:
            note = f"no check ran ({r['status']}) " + note
        if r["kind"] == "as-found":
            note = f"[{', '.join(r['bugs'])}] {note}"
        out.append(
            f"{r['case'][:44]:44} {r['kind']:8} {r['dtype']:7} {len(r['bugs']):>4} {rank if r['bugs'] else '':>4} "
            f"{in3:>4} {len(r['failing']):>4} {r['false_alarms'] if not r['bugs'] else '':>3} "
            f"{r['not_present']:>3} {r['not_measured']:>3} {r['seconds']:>6.1f}  {note}"
        )
    t = total
    out += [
        "",
        f"examined (no crash, timeout, refusal or silent ok): {t['examined']}/{t['cases']} "
        f"({t['crashed_or_timed_out']} crashed or timed out, {t.get('refused', 0)} refused, "
        f"{t['no_check_ran']} ran no check, "
        f"{t['silent_ok']} silent ok)",
        f"known bugs shown as failing checks: {t['shown']}/{t['known_bugs']} = {t['shown_rate']:.0%}",
        f"known bugs named among the candidates: {t['named']}/{t['known_bugs']} = {t['named_rate']:.0%} "
        f"(catalog ids only: {t['catalog_named_rate']:.0%} of {t['catalog_bugs']})",
        f"top-3 candidates that are real bugs: {t['top3_real']}/{t['top3_candidates']} = {t['top3_real_rate']:.0%}",
        f"false-alarm checks on the {t['clean']} clean engines: {t['false_alarm_checks']}",
        f"single-bug mutants: first guess {t['first']}/{t['mutants']} = {t['first_rate']:.0%}, "
        f"top three {t['top3']}/{t['mutants']} = {t['top3_rate']:.0%} "
        f"(catalog ids only: {t['catalog_first_rate']:.0%}, {t['catalog_top3_rate']:.0%})",
        f"time: {t['seconds_total']:.0f} s of doctor runs, at most {t['seconds_max']:.1f} s for one; {wall:.0f} s wall",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the rows and the totals as JSON")
    parser.add_argument("--jobs", type=int, default=1, choices=(1, 2), help="doctors run at once (at most 2)")
    parser.add_argument("--heldout", action="store_true", help="evaluate the held-out set instead of the corpus")
    parser.add_argument("--only", action="append", default=[], help="only the cases whose name starts with this")
    parser.add_argument(
        "--load", help="rank the outcomes of an earlier --json output again and print the table (no doctor runs)"
    )
    args = parser.parse_args(argv)
    if args.load:
        saved = json.loads(Path(args.load).read_text())
        rows = rescored(saved["rows"], args.heldout)
        total = totals(rows, args.heldout)
        total["seconds_wall"] = saved["totals"]["seconds_wall"]
        if args.json:
            print(json.dumps({"totals": total, "rows": rows}, indent=1))
        else:
            print(render(rows, total, total["seconds_wall"], args.heldout))
        return 0
    todo = [c for c in cases(heldout=args.heldout) if not args.only or any(c.name.startswith(p) for p in args.only)]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="minigrad-doctor-eval-") as tmp:

        def one(item: tuple[int, Case]) -> dict[str, Any]:
            i, case = item
            row = score(case, examine(case, Path(tmp) / f"{i:03d}-{case.name.replace('/', '-')}"))
            if not args.json:
                print(f"  {case.name}: {row['seconds']:.1f} s", file=sys.stderr, flush=True)
            return row

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(one, enumerate(todo)))
    wall = time.perf_counter() - started
    total = totals(rows, args.heldout)
    total["seconds_wall"] = round(wall, 1)
    if args.json:
        print(json.dumps({"totals": total, "rows": rows}, indent=1))
    else:
        print(render(rows, total, wall, args.heldout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
