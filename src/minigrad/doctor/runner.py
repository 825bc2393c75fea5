"""Run the checks on the learner's engine in child processes, with a time limit per check group.

Two children run side by side (the machine may have two cores): one runs the
slow 100,000-op chain, the other every other group in turn.  When a group runs
past its limit (an endless loop) or the child dies (a crash, a RecursionError
that took the interpreter down), that group becomes a finding and a fresh child
goes on with the next group.  Inputs and outputs travel as pickles in a
temporary folder: nothing is written in the learner's repository.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import checks

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
LIMITS = {"deep-100000": 10.0}  # seconds per group; the others get DEFAULT_LIMIT
DEFAULT_LIMIT = 8.0
STARTUP_LIMIT = 20.0  # importing their module and probing it
SLOW_GROUPS = ("deep-100000",)


class TargetError(RuntimeError):
    """The target cannot be imported or probed: nothing can be checked."""


@dataclass
class ChildRun:
    api: dict[str, Any]
    header: list[str]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0


def _read(path: str) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)


def _tail(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            text = f.read()[-4000:]
    except OSError:
        return ""
    return "\n".join([line for line in text.strip().splitlines() if line.strip()][-6:])


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MINIGRAD_BREAK", "PYTHONPATH")}
    env.update(PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _session(job: dict[str, Any], groups: list[str], jobdir: str, limits: dict[str, float]) -> dict[str, Any]:
    """Run ``groups`` in as few children as possible; returns {"api":..., "results":...} or {"error":...}."""
    out: dict[str, Any] = {"results": {}}
    pending = list(groups)
    attempt = 0
    while True:
        attempt += 1
        with open(os.path.join(jobdir, "job.pkl"), "wb") as f:
            pickle.dump({**job, "groups": pending}, f)
        progress, api_path = os.path.join(jobdir, "progress"), os.path.join(jobdir, "api.pkl")
        for stale in (progress, api_path):
            if os.path.exists(stale):
                os.remove(stale)
        err_path = os.path.join(jobdir, f"stderr-{attempt}.txt")
        failed: tuple[str, str] | None = None
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-B", CHILD, jobdir],
                cwd=job["cwd"],
                env=_child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            group, since = "", time.perf_counter()
            while proc.poll() is None:
                current = _progress(progress)
                if current != group:
                    group, since = current, time.perf_counter()
                limit = limits.get(group, DEFAULT_LIMIT) if group else STARTUP_LIMIT
                if time.perf_counter() - since > limit:
                    proc.kill()
                    proc.wait()
                    failed = (group, f"timeout: still running after {limit:.0f} s (an endless loop?)")
                    break
                time.sleep(0.01)
            group = _progress(progress)
        if "api" not in out:
            if not os.path.exists(api_path):
                why = failed[1] if failed else _tail(err_path) or f"exit code {proc.returncode}"
                return {"error": why}
            out.update(_read(api_path))
        for name in pending:
            path = os.path.join(jobdir, f"group-{name}.pkl")
            if os.path.exists(path):
                out["results"].update(_read(path))
                os.remove(path)
        if failed is None and proc.returncode != 0 and group:
            failed = (group, f"the process died (exit code {proc.returncode}): {_tail(err_path)}")
        if failed is None:
            return out
        name, why = failed
        for spec in checks.checks_for(bool(out["api"]["scalar"])):
            if spec.group == name and spec.id not in out["results"]:
                out["results"][spec.id] = {"status": "error", "error": why, "where": "", "lines": [], "reps": []}
        pending = pending[pending.index(name) + 1 :] if name in pending else []
        if not pending:
            return out


def run_learner(
    target: str,
    cwd: str,
    scalar: bool | None = None,
    adapter: str | None = None,
    seed: int = 0,
    limits: dict[str, float] | None = None,
) -> ChildRun:
    started = time.perf_counter()
    where, _, class_name = target.rpartition(":")
    if not where or not class_name:
        raise TargetError(f"target {target!r}: expected module:Class or path/to/file.py:Class")
    if where.endswith(".py") and not os.path.isfile(os.path.join(cwd, where)):
        raise TargetError(f"{where}: no such file (looked in {os.path.abspath(cwd)}); check the path")
    if adapter and not os.path.isfile(adapter):
        raise TargetError(f"--adapter {adapter}: no such file; check the path")
    limits = {**LIMITS, **(limits or {})}
    job = {
        "target": target,
        "cwd": os.path.abspath(cwd),
        "scalar": scalar,
        "seed": seed,
        "adapter": os.path.abspath(adapter) if adapter else None,
    }
    with tempfile.TemporaryDirectory(prefix="minigrad-doctor-") as tmp:
        # Both kinds of engine share the slow group's name, so the split is known before probing.
        names = list(dict.fromkeys(checks.groups_for(False) + checks.groups_for(True)))
        fast = [n for n in names if n not in SLOW_GROUPS]
        dirs = [os.path.join(tmp, "a"), os.path.join(tmp, "b")]
        for d in dirs:
            os.mkdir(d)
        outs: list[dict[str, Any]] = [{}, {}]

        def work(i: int, groups: list[str]) -> None:
            outs[i] = _session(job, groups, dirs[i], limits)

        threads = [
            threading.Thread(target=work, args=(0, fast)),
            threading.Thread(target=work, args=(1, list(SLOW_GROUPS))),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if "error" in outs[0]:
        raise TargetError(f"cannot import or probe {target}: {outs[0]['error']}")
    run = ChildRun(outs[0]["api"], outs[0]["header"], dict(outs[0]["results"]))
    run.results.update(outs[1].get("results", {}))
    run.seconds = time.perf_counter() - started
    return run


def _progress(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
