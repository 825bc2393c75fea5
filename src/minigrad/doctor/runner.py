"""Run the checks on the learner's engine in child processes, each under a time limit that follows its speed.

Two children run side by side (the machine may have two cores): one runs the
slow 100,000-op chain, the other every other group in turn.  Each child runs in
its own session, so that whatever the learner's module starts (a forked worker,
a subprocess) is killed with it, and under a memory limit.  The child first
imports the module (its own, generous limit: ``import torch`` may take 20 s on
a loaded machine), probes the class, and times a small chain of ops: every
check's limit is scaled by that speed, so that a slow engine or a loaded
machine gives "not measured (N µs per op)", never a failure.  When a check runs
past its limit, the rest of its group is not measured; when the child dies (a
crash, ``os._exit`` in backward), that check says how, and a fresh child goes on
with the next one.  Inputs and outputs travel as pickles in a temporary folder:
nothing is written in the learner's repository.
"""

from __future__ import annotations

import contextvars
import functools
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..messages import text
from . import checks
from .adapter import UNARY_OPS

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
REFUSED = 4  # the child's exit code when it wrote refusal.pkl (child.REFUSED)
# Seconds per group on an engine as fast as REFERENCE_SECONDS_PER_OP; the limits grow with the measured speed.
LIMITS = {"deep-100000": 10.0, "startup": 60.0, "import": 60.0, "probe": 20.0}
DEFAULT_LIMIT = 8.0
REFERENCE_SECONDS_PER_OP = 20e-6  # a plain NumPy engine on a quiet machine does one op (forward and backward) in ~10 µs
MAX_SCALE = 12.0  # a limit grows at most this much: 2 minutes for a group, whatever the engine's speed
GIVE_UP_AFTER = 3  # groups out of time, or children dead: the rest is not measured (every backward loops or dies)
MEMORY_LIMIT = 8 * 2**30  # bytes of address space per child: importing CUDA PyTorch alone maps 3.2 GB
SLOW_GROUPS = ("deep-100000",)


def message(key: str, **fields: Any) -> str:
    """The runner's text ``key`` (``messages/doctor.toml``, ``doctor.runner.KEY``) in the current language."""
    return text(f"doctor.runner.{key}", **fields)


# Signals the catalog names (doctor.runner.signal.NAME); any other is named as the C library names it.
NAMED_SIGNALS = ("SIGSEGV", "SIGABRT", "SIGKILL", "SIGTERM", "SIGFPE", "SIGILL", "SIGBUS")


def signal_name(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = ""
    if name in NAMED_SIGNALS:
        return message(f"signal.{name}")
    try:
        return (signal.strsignal(number) or message("signal_number", code=number)).lower()
    except ValueError:
        return message("signal_number", code=number)


def crash_text(exit: dict[str, Any]) -> str:
    """``{"how": "signal"|"exit"|"SystemExit"|"KeyboardInterrupt", "code": n, "phase": ...}`` in words."""
    who = message("who_backward" if exit.get("phase") == "backward" else "who_forward")
    how, code = exit["how"], exit.get("code")
    if how == "signal":
        return message("signalled", who=who, code=code, name=signal_name(int(code or 0)))
    if how == "SystemExit":
        return message("sys_exit", who=who, code=code)
    if how == "KeyboardInterrupt":
        return message("interrupted", who=who)
    return message("exited", who=who, code=code)


# The machine word a crash starts with, as an exception's class name does: the same in every language, so that the
# finding's signature (and the diagnosis, and --json) never depends on --lang.
CRASH_KINDS = {
    "signal": "Signal",
    "exit": "ProcessExit",
    "SystemExit": "SystemExit",
    "KeyboardInterrupt": "KeyboardInterrupt",
}


def crash_error(exit: dict[str, Any]) -> str:
    """A crash as a check's error: ``Signal: your backward() crashed: signal 11, segmentation fault``."""
    return f"{CRASH_KINDS[exit['how']]}: {crash_text(exit)}"


class TargetError(RuntimeError):
    """The target cannot be imported or probed: nothing can be checked.  ``key`` and ``fields`` say why;
    ``str()`` says it in the current language, as :class:`minigrad.messages.CatalogError` does."""

    def __init__(self, key: str, frames: list[str] | None = None, **fields: Any) -> None:
        self.key, self.fields, self.frames = key, fields, frames or []
        super().__init__(key)

    def __str__(self) -> str:
        return self.text()

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole, fields included (the default would keep only the key)
        return (functools.partial(type(self), self.key, self.frames, **self.fields), ())

    def text(self) -> str:
        fields = dict(self.fields)
        if self.key == "no_class":
            hint = ""
            if fields.get("close"):
                hint = message("did_you_mean", close=fields["close"])
            elif fields.get("classes"):
                hint = message("its_classes", classes=", ".join(fields["classes"]))
            fields["hint"] = hint
        if self.key == "import_slow":
            fields["slowest"] = _slowest(fields)
        head = message(self.key, **fields)
        return "\n".join([head, *self.frames])


def _slowest(fields: dict[str, Any]) -> str:
    if fields.get("running"):
        return message("slowest_running", name=fields["running"])
    if fields.get("slowest_seconds", 0.0) >= 1.0:
        return message("slowest_done", name=fields["slowest_name"], seconds=fields["slowest_seconds"])
    return message("no_slow_import")


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
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_BREAK"}  # PYTHONPATH stays: their code may need it
    env.update(PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _imports(path: str) -> dict[str, Any]:
    """From the child's import log: the import still running, and the slowest one that finished."""
    running: list[str] = []
    slowest = ("", 0.0)
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[0] == "start":
                    running.append(parts[1])
                elif len(parts) == 3 and parts[0] == "done":
                    if parts[1] in running:
                        running.remove(parts[1])
                    if float(parts[2]) > slowest[1]:
                        slowest = (parts[1], float(parts[2]))
    except OSError:
        pass
    return {"running": running[0] if running else "", "slowest_name": slowest[0], "slowest_seconds": slowest[1]}


class Children:
    """The live children's process groups: every one is killed when the doctor stops (Ctrl-C included)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pids: set[int] = set()
        self.stop = threading.Event()

    def add(self, pid: int) -> None:
        with self.lock:
            self.pids.add(pid)

    def kill(self, pid: int) -> None:
        """Kill the child's whole process group (what it forked or started too), then forget it."""
        try:
            if hasattr(os, "killpg"):
                os.killpg(pid, signal.SIGKILL)
            else:  # Windows: no process groups to kill; the child alone
                os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        with self.lock:
            self.pids.discard(pid)

    def kill_all(self) -> None:
        self.stop.set()
        with self.lock:
            pids = list(self.pids)
        for pid in pids:
            self.kill(pid)


def scale(api: dict[str, Any] | None) -> float:
    """How much longer than on the reference engine this engine's checks may take (1 to MAX_SCALE)."""
    per_op = (api or {}).get("seconds_per_op")
    if not per_op:
        return 1.0
    return float(min(MAX_SCALE, max(1.0, per_op / REFERENCE_SECONDS_PER_OP)))


def _progress(path: str) -> list[str]:
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return []
    return text.split("\t") if text else []


# Told each check group's raw results as soon as its child has written them: (group, results by check id, api).
GroupDone = Callable[[str, dict[str, Any], dict[str, Any]], None]


def _session(
    job: dict[str, Any],
    groups: list[str],
    jobdir: str,
    limits: dict[str, float],
    children: Children,
    on_group: GroupDone | None = None,
) -> dict[str, Any]:
    """Run ``groups`` in as few children as possible; returns {"api":..., "results":...} or {"error": TargetError}.

    ``on_group`` hears of each group as soon as its child has written it (from this thread)."""
    out: dict[str, Any] = {"results": {}}
    pending = list(groups)
    told: set[str] = set()

    def tell(names: list[str]) -> None:
        if on_group is None or "api" not in out:
            return
        for name in names:
            path = os.path.join(jobdir, f"group-{name}.pkl")
            if name not in told and os.path.exists(path):  # written whole (os.replace): safe to read while it runs
                told.add(name)
                on_group(name, _read(path), out["api"])

    skip: set[str] = set()
    attempt, timeouts, crashes = 0, 0, 0
    while pending and not children.stop.is_set():
        attempt += 1
        with open(os.path.join(jobdir, "job.pkl"), "wb") as f:
            pickle.dump({**job, "groups": pending, "skip": sorted(skip)}, f)
        progress_path, api_path = os.path.join(jobdir, "progress"), os.path.join(jobdir, "api.pkl")
        refusal_path, imports_path = os.path.join(jobdir, "refusal.pkl"), os.path.join(jobdir, "imports")
        speed_path = os.path.join(jobdir, "speed.pkl")
        for stale in (progress_path, api_path, refusal_path, imports_path, speed_path):
            if os.path.exists(stale):
                os.remove(stale)
        err_path = os.path.join(jobdir, f"stderr-{attempt}.txt")
        timed_out: tuple[list[str], float] | None = None
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-B", CHILD, jobdir],
                cwd=job["cwd"],
                env=_child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # its own process group: killed whole, and deaf to the terminal's Ctrl-C
            )
            children.add(proc.pid)
            where: list[str] = []
            since = time.perf_counter()
            try:
                while proc.poll() is None:
                    if children.stop.is_set():
                        break
                    current = _progress(progress_path)
                    if current[:2] != where[:2]:
                        where, since = current, time.perf_counter()
                    if "api" not in out and os.path.exists(api_path):
                        out.update(_read(api_path))
                    if "api" in out and "seconds_per_op" not in out["api"] and os.path.exists(speed_path):
                        out["api"]["seconds_per_op"] = _read(speed_path)
                    tell(pending)
                    step = where[0] if where else "startup"  # Python and NumPy starting, before their module
                    limit = limits.get(step, limits["default"])
                    if step not in ("startup", "import", "probe", "speed"):
                        limit *= scale(out.get("api"))
                    if time.perf_counter() - since > limit:
                        timed_out = (where or ["startup"], limit)
                        break
                    time.sleep(0.01)
            finally:
                children.kill(proc.pid)  # whatever it started dies with it, even when it exited by itself
                proc.wait()
        if children.stop.is_set():
            break
        where = _progress(progress_path) if timed_out is None else timed_out[0]
        if "api" not in out and os.path.exists(api_path):
            out.update(_read(api_path))
        if "api" in out and "seconds_per_op" not in out["api"]:
            out["api"]["seconds_per_op"] = _read(speed_path) if os.path.exists(speed_path) else None
            job = {**job, "measure_speed": False}  # measured once, or it killed the child: never again
        if "api" not in out:
            if proc.returncode == REFUSED and os.path.exists(refusal_path):
                refusal = _read(refusal_path)
                fields = dict(refusal["fields"])
                return {"error": (refusal["key"], fields.pop("frames", []), fields)}
            elif timed_out is not None and where[:1] == ["startup"]:
                return {"error": ("startup_slow", [], {"limit": timed_out[1]})}
            elif timed_out is not None and where[:1] == ["probe"]:
                return {"error": ("probe_slow", [], {"limit": timed_out[1]})}
            elif timed_out is not None:
                return {"error": ("import_slow", [], {"limit": timed_out[1], **_imports(imports_path)})}
            elif where[:1] == ["probe"] and not job.get("safe_probe"):
                job = {**job, "safe_probe": True}  # an op killed it: probe again without running any op
                continue
            else:
                how = _exit_info(proc.returncode, "import")
                tail = _tail(err_path).splitlines()
                key = "probe_died" if where[:1] == ["probe"] else "import_died"
                return {"error": (key, tail, {"exit": how})}
        tell(pending)
        for name in pending:
            path = os.path.join(jobdir, f"group-{name}.pkl")
            if os.path.exists(path):
                out["results"].update(_read(path))
                os.remove(path)
        if where[:1] == ["speed"]:
            timeouts += timed_out is not None  # a backward that hangs on 200 ops will hang in the checks too
            continue  # it died or hung timing a chain: a fresh child runs the checks without timing it
        specs = [s for s in checks.checks_for(bool(out["api"]["scalar"])) if s.group in pending]
        done = set(out["results"]) | skip
        if timed_out is not None and len(where) >= 2:
            group, check_id = where[0], where[1]
            timeouts += 1
            per_op = out["api"].get("seconds_per_op")
            for spec in specs:
                if spec.group == group and spec.id not in done:
                    out["results"][spec.id] = {
                        "status": "timeout",
                        "limit": timed_out[1],
                        "seconds_per_op": per_op,
                        "at": check_id,
                        "lines": [],
                    }
            pending = pending[pending.index(group) + 1 :] if group in pending else []
            if timeouts >= GIVE_UP_AFTER:
                for spec in specs:
                    if spec.group in pending and spec.id not in out["results"]:
                        out["results"][spec.id] = {"status": "timeout", "gave_up": timeouts, "lines": []}
                return out
            continue
        missing = [s.id for s in specs if s.id not in out["results"] and s.id not in skip]
        if not missing:
            return out
        # The child ended before the end (os._exit, a signal, even exit code 0): the check it was in says how.
        group, check_id, phase = [*where, "", "", "forward"][:3] if len(where) >= 2 else ("", missing[0], "forward")
        if check_id not in missing:
            check_id = missing[0]
        exit_info = {**_exit_info(proc.returncode, phase), "phase": phase}
        out["results"][check_id] = {
            "status": "error",
            "error": crash_error(exit_info),
            "exit": exit_info,
            "where": "",
            "lines": [],
            "reps": [],
            "stderr": _tail(err_path),
        }
        crashes += 1
        if crashes >= GIVE_UP_AFTER:  # a backward() that always kills the process: a fresh child per check is waste
            for spec in specs:
                if spec.id not in out["results"] and spec.id not in skip:
                    out["results"][spec.id] = {"status": "timeout", "crashes": crashes, "lines": []}
            return out
        skip = {s.id for s in specs if s.id in out["results"]}
        pending = [g for g in pending if any(s.group == g and s.id not in skip for s in specs)]
    return out


def _exit_info(returncode: int | None, phase: str) -> dict[str, Any]:
    if returncode is not None and returncode < 0:
        return {"how": "signal", "code": -returncode, "phase": phase}
    return {"how": "exit", "code": returncode, "phase": phase}


def check_paths(target: str, cwd: str, adapter: str | None) -> tuple[str, str]:
    """Everything checkable before a child starts: the target's form, ``--cwd``, the file, the adapter."""
    where, _, class_name = target.rpartition(":")
    if not where or not class_name:
        raise TargetError("target_form", target=target)
    if not os.path.isdir(cwd):
        raise TargetError("no_cwd", cwd=cwd)
    if where.endswith(".py") and not os.path.isfile(os.path.join(cwd, where)):
        raise TargetError("no_file", path=where, cwd=os.path.abspath(cwd))
    if adapter and not os.path.isfile(adapter):
        raise TargetError("no_adapter", path=adapter)
    return where, class_name


def run_learner(
    target: str,
    cwd: str,
    scalar: bool | None = None,
    adapter: str | None = None,
    seed: int = 0,
    limits: dict[str, float] | None = None,
    memory_bytes: int | None = MEMORY_LIMIT,
    on_group: GroupDone | None = None,
) -> ChildRun:
    """Every check group on ``target``, in children; ``limits`` overrides seconds per group, ``import``,
    ``probe`` and ``default`` (before scaling by the engine's speed).  ``on_group(group, results, api)`` hears
    of each group as it finishes, from a worker thread (two may call it at once)."""
    started = time.perf_counter()
    check_paths(target, cwd, adapter)
    limits = {**LIMITS, "default": DEFAULT_LIMIT, **(limits or {})}
    job = {
        "target": target,
        "cwd": os.path.abspath(cwd),
        "scalar": scalar,
        "seed": seed,
        "adapter": os.path.abspath(adapter) if adapter else None,
        "memory_bytes": memory_bytes,
        "unary_ops": UNARY_OPS,  # the op registry's, for the child (which cannot import it)
    }
    children = Children()
    with tempfile.TemporaryDirectory(prefix="minigrad-doctor-") as tmp:
        # Both kinds of engine share the slow group's name, so the split is known before probing.
        names = list(dict.fromkeys(checks.groups_for(False) + checks.groups_for(True)))
        fast = [n for n in names if n not in SLOW_GROUPS]
        dirs = [os.path.join(tmp, "a"), os.path.join(tmp, "b")]
        for d in dirs:
            os.mkdir(d)
        outs: list[dict[str, Any]] = [{}, {}]

        def work(i: int, groups: list[str]) -> None:
            try:
                outs[i] = _session(job, groups, dirs[i], limits, children, on_group)
            except BaseException as error:  # reported by the main thread
                outs[i] = {"crash": error}
            if "error" in outs[i]:
                children.kill_all()  # the other child would only say the same: stop it now

        # Each worker runs in a copy of the caller's context: a new thread would start in the default language,
        # and its texts (a crash's words, what ``on_group`` prints) must speak the caller's.
        threads = [
            threading.Thread(target=contextvars.copy_context().run, args=(work, 0, fast), daemon=True),
            threading.Thread(target=contextvars.copy_context().run, args=(work, 1, list(SLOW_GROUPS)), daemon=True),
        ]
        try:
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                for t in threads:
                    t.join(0.05)  # short waits: Ctrl-C reaches the main thread at once
        except BaseException:
            children.kill_all()
            for t in threads:
                t.join(5)
            raise
    for out in outs:
        if "crash" in out:
            raise out["crash"]
    failed = next((out for out in outs if "error" in out), None)
    if failed is not None:
        key, frames, fields = failed["error"]
        if key in ("import_died", "probe_died"):
            fields = {"how": crash_text_import(fields["exit"])}
        raise TargetError(key, frames, **fields)
    run = ChildRun(outs[0]["api"], outs[0]["header"], dict(outs[0]["results"]))
    run.results.update(outs[1].get("results", {}))
    for result in run.results.values():
        for rep in [result, *result.get("reps", [])]:
            if "exit" in rep:
                rep["error"] = crash_error(rep["exit"])
    run.seconds = time.perf_counter() - started
    return run


def crash_text_import(exit: dict[str, Any]) -> str:
    """How the import ended, for ``import_died``: "exited with code 3" or "crashed: signal 11, ..."."""
    if exit["how"] == "signal":
        text = message("signalled", who="", code=exit["code"], name=signal_name(int(exit["code"])))
    else:
        text = message("exited", who="", code=exit["code"])
    return text.strip()


def not_measured_text(result: dict[str, Any]) -> str:
    """A check that ran out of time, in words: the limit and the engine's speed per op."""
    if result.get("gave_up"):
        return message("gave_up", n=result["gave_up"])
    if result.get("crashes"):
        return message("after_crashes", n=result["crashes"])
    per_op = result.get("seconds_per_op")
    speed = message("per_op", us=per_op * 1e6) if per_op else message("per_op_unknown")
    return message("not_measured", limit=result.get("limit", 0.0), per_op=speed)
