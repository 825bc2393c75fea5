"""The child process: import the learner's class and run check groups on it.

Run as a script (``python -B child.py JOBDIR``), never imported from minigrad:
the learner's package may itself be called ``minigrad``, so this process loads
only the doctor's adapter and checks, as a private package ``_minigrad_doctor``.
It reads ``JOBDIR/job.pkl`` and writes ``api.pkl``, ``progress`` (the group
running now) and ``group-<name>.pkl`` (each group's results) into JOBDIR, a
temporary folder: nothing is written in the learner's repository.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import pickle
import sys
import traceback
import types
import zlib
from typing import Any

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


def _doctor_modules() -> tuple[Any, Any]:
    package = types.ModuleType("_minigrad_doctor")
    package.__path__ = [HERE]
    sys.modules["_minigrad_doctor"] = package
    return importlib.import_module("_minigrad_doctor.adapter"), importlib.import_module("_minigrad_doctor.checks")


def load_target(target: str, cwd: str) -> tuple[types.ModuleType, type, str]:
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
    cls = getattr(module, class_name)
    return module, cls, class_name


def _where(error: BaseException) -> str:
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if "_minigrad_doctor" not in f.filename and HERE not in f.filename
    ]
    if not frames:
        return ""
    f = frames[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()}"


def run_check(adapter: Any, engine: Any, spec: Any, seed: int) -> dict[str, Any]:
    reps = []
    for _ in range(spec.repeat):
        engine.lines, engine.names, engine._keep, engine.recording = [], {}, [], True
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


def main(jobdir: str) -> None:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]  # no doctor file shadows theirs
    with open(os.path.join(jobdir, "job.pkl"), "rb") as f:
        job = pickle.load(f)
    sys.setrecursionlimit(job.get("recursionlimit", sys.getrecursionlimit()))
    adapter, checks = _doctor_modules()
    sys.meta_path.insert(0, _TheirMinigradOnly())
    sys.path.insert(0, job["cwd"])
    if os.path.isdir(os.path.join(job["cwd"], "src")):  # a src layout: their package importable by its own name
        sys.path.insert(1, os.path.join(job["cwd"], "src"))
    os.chdir(job["cwd"])
    overrides: dict[str, Any] = {}
    if job.get("adapter"):
        namespace: dict[str, Any] = {"__name__": "doctor_adapter"}
        with open(job["adapter"]) as f:
            exec(compile(f.read(), job["adapter"], "exec"), namespace)
        overrides = {k: v for k, v in namespace.get("OPS", {}).items()}
        overrides.update({k: namespace[k] for k in ("make", "data", "grad", "backward", "zero_grad") if k in namespace})
    module, cls, class_name = load_target(job["target"], job["cwd"])
    engine = adapter.Engine(cls, module, class_name, job.get("scalar"), overrides)
    with open(os.path.join(jobdir, "api.tmp"), "wb") as f:
        pickle.dump({"api": engine.api, "header": engine.example_header()}, f)
    os.replace(os.path.join(jobdir, "api.tmp"), os.path.join(jobdir, "api.pkl"))
    specs = checks.checks_for(engine.api["scalar"])
    for group in job["groups"]:
        with open(os.path.join(jobdir, "progress"), "w") as f:
            f.write(group)
        results = {s.id: run_check(adapter, engine, s, job["seed"]) for s in specs if s.group == group}
        if not results:
            continue
        tmp = os.path.join(jobdir, f"group-{group}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(results, f)
        os.replace(tmp, os.path.join(jobdir, f"group-{group}.pkl"))


if __name__ == "__main__":
    main(sys.argv[1])
