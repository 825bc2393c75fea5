"""The child process: import the learner's class and run check groups on it.

Run as a script (``python -B child.py JOBDIR``), never imported from minigrad:
the learner's package may itself be called ``minigrad``, so this process loads
only the doctor's adapter and checks, as a private package ``_minigrad_doctor``.
It reads ``JOBDIR/job.pkl`` and writes ``api.pkl``, ``progress`` (what runs
now: ``import``, ``probe``, or ``group<TAB>check<TAB>phase``), ``imports`` (each
top-level import of the learner's module, timed), ``refusal.pkl`` (why their
engine cannot be examined at all) and ``group-<name>.pkl`` (each group's
results) into JOBDIR, a temporary folder: nothing is written in the learner's
repository.
"""

from __future__ import annotations

import builtins
import difflib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import pickle
import sys
import time
import traceback
import types
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REFUSED = 4  # the exit code of a child that wrote refusal.pkl
SPEED_CHAIN = 200  # ops in the chain that measures the engine's speed
FILE_LIMIT = 256 * 2**20  # bytes: the largest file the child may write (its stderr, the results)

HERE = os.path.dirname(os.path.abspath(__file__))
OUR_ROOT = os.path.dirname(os.path.dirname(HERE))  # the folder that holds our own ``minigrad`` package


class _TheirMinigradOnly(importlib.abc.MetaPathFinder):
    """``import minigrad`` in the learner's code finds their package, never the doctor's own."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "minigrad":
            return None  # submodules are found through the package's own __path__
        entries = [p for p in sys.path if os.path.abspath(p or ".") != OUR_ROOT]
        spec = importlib.machinery.PathFinder.find_spec(fullname, entries)
        if spec is None:
            raise ModuleNotFoundError("No module named 'minigrad' (the doctor does not lend its own to your code)")
        return spec


class _Counter:
    """Stands for stdout/stderr: counts what the learner's code prints, keeps none of it."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, text: str) -> int:
        self.count += len(text)
        return len(text)

    def flush(self) -> None:
        pass


def _doctor_modules(unary_ops: dict[str, tuple[float, float]]) -> tuple[Any, Any]:
    """The doctor's adapter and checks as a private package, given the op registry's unary ops (the parent's
    table: minigrad itself is never imported here)."""
    package = types.ModuleType("_minigrad_doctor")
    package.__path__ = [HERE]
    vars(package)["SENT_UNARY_OPS"] = unary_ops  # read by adapter.unary_ops()
    sys.modules["_minigrad_doctor"] = package
    return importlib.import_module("_minigrad_doctor.adapter"), importlib.import_module("_minigrad_doctor.checks")


class RefusalError(Exception):
    """The learner's target cannot be examined: ``key`` names the message (en/es in the runner), with fields."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key, fields)
        self.key, self.fields = key, fields


def load_target(target: str, cwd: str) -> tuple[types.ModuleType, Any, str]:
    """``path/to/file.py:Class`` or ``package.module:Class`` (imported from ``cwd``)."""
    where, _, class_name = target.rpartition(":")
    if not where:
        raise ValueError(f"target {target!r}: expected module:Class or path/to/file.py:Class")
    if where.endswith(".py") or os.sep in where or "/" in where:
        path = os.path.abspath(os.path.join(cwd, where))
        sys.path.insert(0, os.path.dirname(path))
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    if not hasattr(module, class_name):
        names = [n for n in vars(module) if not n.startswith("_")]
        close = difflib.get_close_matches(class_name, names, n=1, cutoff=0.6)
        classes = [
            n
            for n in names
            if isinstance(getattr(module, n), type) and getattr(module, n).__module__ == module.__name__
        ]
        raise RefusalError(
            "no_class", file=os.path.basename(where), name=class_name, close=close[0] if close else "", classes=classes
        )
    return module, getattr(module, class_name), class_name


def _theirs(error: BaseException) -> list[traceback.FrameSummary]:
    """The frames of a traceback in the learner's code: neither the doctor's nor Python's nor NumPy's."""
    skip = (HERE, os.path.dirname(os.__file__), os.path.dirname(os.path.dirname(importlib.__file__ or "")))
    return [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if "_minigrad_doctor" not in f.filename
        and not f.filename.startswith(skip)
        and "site-packages" not in f.filename
        and not f.filename.startswith("<frozen")
    ]


def _where(error: BaseException) -> str:
    frames = _theirs(error)
    if not frames:
        return ""
    f = frames[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()}"


def _frames(error: BaseException) -> list[str]:
    """The learner's own frames as traceback lines (the doctor's own are of no use to them)."""
    lines = traceback.format_list(_theirs(error)[-6:])
    return [line.rstrip() for line in lines] + [f"{type(error).__name__}: {str(error)[:300]}"]


class Progress:
    """What runs now, in a file the parent reads: ``import``, ``probe``, or ``group<TAB>check<TAB>phase``."""

    def __init__(self, jobdir: str) -> None:
        self.path = os.path.join(jobdir, "progress")
        self.group = self.check = ""

    def write(self, text: str) -> None:
        with open(self.path, "w") as f:
            f.write(text)

    def at(self, group: str, check: str = "", phase: str = "forward") -> None:
        self.group, self.check = group, check
        self.write(f"{group}\t{check}\t{phase}")

    def phase(self, phase: str) -> None:
        if self.group:
            self.write(f"{self.group}\t{self.check}\t{phase}")


@contextmanager
def timed_imports(path: str) -> Iterator[None]:
    """Log each top-level import the learner's module makes (``start torch``, ``done torch 21.3``), as it goes."""
    real = builtins.__import__
    depth = [0]
    log = open(path, "a", buffering=1)

    def timed(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        top = name.split(".")[0]
        if depth[0] or level or top in sys.modules:
            return real(name, globals, locals, fromlist, level)
        depth[0] += 1
        log.write(f"start {top}\n")
        started = time.perf_counter()
        try:
            return real(name, globals, locals, fromlist, level)
        finally:
            depth[0] -= 1
            log.write(f"done {top} {time.perf_counter() - started:.3f}\n")

    builtins.__import__ = timed
    try:
        yield
    finally:
        builtins.__import__ = real
        log.close()


def run_check(adapter: Any, engine: Any, spec: Any, seed: int) -> dict[str, Any]:
    reps = []
    for _ in range(spec.repeat):
        engine.lines, engine.names, engine._keep, engine.recording = [], {}, [], True
        engine.current_phase = "forward"
        rng = adapter.np.random.default_rng(seed + zlib.crc32(spec.id.encode()))
        counter = _Counter()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = counter
        result: dict[str, Any]
        try:
            obs = spec.run(engine, rng)
            result = {"status": "ok", "obs": obs}
        except adapter.NotPresentError as missing:
            result = {"status": "notpresent", "missing": str(missing)}
        except RecursionError as error:
            result = {"status": "error", "error": f"RecursionError: {str(error)[:200]}", "where": _where(error)}
        except Exception as error:
            result = {"status": "error", "error": f"{type(error).__name__}: {str(error)[:300]}", "where": _where(error)}
        except (SystemExit, KeyboardInterrupt) as error:  # their code, never a real Ctrl-C: the child has no terminal
            code = error.code if isinstance(error, SystemExit) else None
            result = {
                "status": "error",
                "error": f"{type(error).__name__}: {code!r}" if isinstance(error, SystemExit) else "KeyboardInterrupt",
                "exit": {"how": type(error).__name__, "code": code, "phase": engine.current_phase},
                "where": _where(error),
            }
        finally:
            sys.stdout, sys.stderr = saved
        result["lines"] = list(engine.lines[:60])
        result["printed"] = counter.count
        reps.append(result)
        if result["status"] == "notpresent":
            break
    first = dict(reps[0])
    first["reps"] = reps if spec.repeat > 1 else []
    return first


def measure_speed(engine: Any) -> float | None:
    """Seconds per op (forward and backward) of a small chain ``y = y * 1.0``: what the time limits scale with."""
    was, engine.recording = engine.recording, False
    try:
        x = engine.leaf(1.5 if engine.api["scalar"] else [1.5, 0.5, 1.0], exact=True)
        started = time.perf_counter()
        y = x
        for _ in range(SPEED_CHAIN):
            y = engine.binop("*", y, 1.0)
        engine.backward(engine.loss(y, 1.0 if engine.api["scalar"] else [1.0, 1.0, 1.0]))
        return (time.perf_counter() - started) / SPEED_CHAIN
    except BaseException:  # sys.exit or KeyboardInterrupt in their backward: the checks will say it
        return None
    finally:
        engine.recording = was


def _refuse(jobdir: str, key: str, **fields: Any) -> None:
    tmp = os.path.join(jobdir, "refusal.tmp")
    with open(tmp, "wb") as f:
        pickle.dump({"key": key, "fields": fields}, f)
    os.replace(tmp, os.path.join(jobdir, "refusal.pkl"))
    sys.stdout.flush()
    os._exit(REFUSED)


def _limit_memory(limit: int | None) -> None:
    if not limit:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # A print storm at import time goes to the stderr file: past this size the child stops (SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))
    except (ImportError, ValueError, OSError):  # Windows, or a hard limit already lower: keep what is there
        pass


def main(jobdir: str) -> None:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]  # no doctor file shadows theirs
    with open(os.path.join(jobdir, "job.pkl"), "rb") as f:
        job = pickle.load(f)
    _limit_memory(job.get("memory_bytes"))
    sys.setrecursionlimit(job.get("recursionlimit", sys.getrecursionlimit()))
    adapter, checks = _doctor_modules(job["unary_ops"])
    sys.meta_path.insert(0, _TheirMinigradOnly())
    sys.path.insert(0, job["cwd"])
    if os.path.isdir(os.path.join(job["cwd"], "src")):  # a src layout: their package importable by its own name
        sys.path.insert(1, os.path.join(job["cwd"], "src"))
    os.chdir(job["cwd"])
    progress = Progress(jobdir)
    overrides: dict[str, Any] = {}
    if job.get("adapter"):
        namespace: dict[str, Any] = {"__name__": "doctor_adapter"}
        try:
            with open(job["adapter"]) as f:
                exec(compile(f.read(), job["adapter"], "exec"), namespace)
        except Exception as error:
            _refuse(jobdir, "adapter_failed", file=job["adapter"], frames=_frames(error))
        overrides = {k: v for k, v in namespace.get("OPS", {}).items()}
        overrides.update({k: namespace[k] for k in ("make", "data", "grad", "backward", "zero_grad") if k in namespace})
    progress.write("import")
    try:
        with timed_imports(os.path.join(jobdir, "imports")):
            module, cls, class_name = load_target(job["target"], job["cwd"])
    except RefusalError as refusal:
        _refuse(jobdir, refusal.key, **refusal.fields)
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: their module's top level did it
        _refuse(jobdir, "import_failed", target=job["target"], frames=_frames(error))
    progress.write("probe")
    try:
        engine = adapter.Engine(cls, module, class_name, job.get("scalar"), overrides, not job.get("safe_probe"))
    except adapter.ProbeError as error:
        cause = error.__cause__ or error
        frames = _frames(cause) if _theirs(cause) else []  # the message already names the call and its error
        _refuse(jobdir, error.key, frames=frames, **error.fields)
    except BaseException as error:
        _refuse(jobdir, "probe_failed", target=job["target"], frames=_frames(error))
    with open(os.path.join(jobdir, "api.tmp"), "wb") as f:
        pickle.dump({"api": engine.api, "header": engine.example_header()}, f)
    os.replace(os.path.join(jobdir, "api.tmp"), os.path.join(jobdir, "api.pkl"))
    if job.get("measure_speed", True):  # after api.pkl: a backward() that kills the process is a check's finding
        progress.write("speed")
        with open(os.path.join(jobdir, "speed.tmp"), "wb") as f:
            pickle.dump(measure_speed(engine), f)
        os.replace(os.path.join(jobdir, "speed.tmp"), os.path.join(jobdir, "speed.pkl"))
    engine.phase = progress.phase
    specs = checks.checks_for(engine.api["scalar"])
    skip = set(job.get("skip", ()))  # done by an earlier child, or the check that killed it
    for group in job["groups"]:
        results = {}
        for spec in specs:
            if spec.group == group and spec.id not in skip:
                progress.at(group, spec.id)
                results[spec.id] = run_check(adapter, engine, spec, job["seed"])
        if not results:
            continue
        tmp = os.path.join(jobdir, f"group-{group}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(results, f)
        os.replace(tmp, os.path.join(jobdir, f"group-{group}.pkl"))


if __name__ == "__main__":
    main(sys.argv[1])
    # Every result is on disk: leave now, without waiting for their threads or running their atexit handlers.
    os._exit(0)
