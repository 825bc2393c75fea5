"""The Inspector's overhead on the MiniGPT training step (issue 18's goal: at most 30%), as a ratio in one run.

    uv run python benchmarks/bench_inspector.py [--steps 40] [--warmup 5] [--repeats 5] [--parts]

Measured as an outsider would: each variant runs in a FRESH interpreter (no
warm caches, allocator state or imports shared with the other variant), for
``--repeats`` processes each, taking turns (plain, inspected, inspected,
plain, ...) so that a drift in the machine's load hits both alike.  Each
process builds :mod:`minigrad.training.loop`'s run from the same config and
seed (the course's MiniGPT: d_model 64, 2 layers, batch 16, float32), takes
``--warmup`` untimed steps, then ``--steps`` timed ones, with one BLAS
thread.  The inspected variant is what ``--inspect`` does:
``Inspector(model).register_all(max_depth=INSPECT_DEPTH)``, then
``snapshot()`` and ``reset()`` after every step.

Reported per variant, the median over its processes of: CPU time per step
(``time.process_time``, what the ratio is taken on: it is what the step costs,
whatever else the shared machine runs), wall time per step
(``time.perf_counter``), and minor page faults per step (the
``resource.getrusage(RUSAGE_SELF).ru_minflt`` delta over the timed steps:
fresh pages the allocator had to map, a sign of large temporaries).  Then the
ratio inspected / plain, both measured in this run, and whether every process
ended with the same weights (instrumentation must not change them: a SHA-256
of the parameters' bytes).  ``--parts`` adds one variant per kind of reading
(forward statistics, gradient statistics, dead units, attention entropy) to
say where the overhead goes.

Page faults weigh: with glibc's default malloc, the plain step frees and
maps again a few thousand pages per step (its large temporaries come and go;
glibc trims the heap's top and maps big blocks afresh), and a variant that
keeps a few arrays alive between steps can change that pattern and look
*faster* than plain.  So each variant is run twice: with the default
allocator (what a user gets), and with a steady one (``MALLOC_MMAP_THRESHOLD_``
and ``MALLOC_TRIM_THRESHOLD_`` fixed for the child, so that freed memory stays
mapped: a dozen faults per step), where the ratio is the readings' own
computing cost.  ``--allocator`` picks one.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

PARTS = ("forward", "backward", "dead_units", "attention_entropy")
# glibc's tunables: blocks up to 16 MiB from the heap, and the heap's top never given back (1 GiB)
STEADY = {"MALLOC_MMAP_THRESHOLD_": str(16 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def _watch(variant: str, model: object, max_depth: int | None) -> object | None:
    """The inspector of ``variant`` on ``model`` (None for plain)."""
    from minigrad.inspector import Inspector
    from minigrad.nn import GELU, Module, MultiheadAttention, ReLU

    if variant == "plain":
        return None
    assert isinstance(model, Module)
    inspector = Inspector(model)
    if variant == "inspected":
        return inspector.register_all(max_depth)
    if variant == "backward":
        for name, param in inspector.params.items():
            inspector.register_backward(name, param)
        return inspector
    for name, module in model.named_modules():  # the same modules register_all picks
        if not name or type(module).forward is Module.forward:
            continue
        if variant == "forward" and (max_depth is None or name.count(".") <= max_depth):
            inspector.register_forward(name, module)
        elif variant == "dead_units" and isinstance(module, ReLU | GELU):
            inspector.register_dead_units(name, module)
        elif variant == "attention_entropy" and isinstance(module, MultiheadAttention):
            inspector.register_attention_entropy(name, module)
    return inspector


def child(variant: str, steps: int, warmup: int, max_depth: int | None) -> None:
    """One process, one variant: print one JSON line of its measurements."""
    from minigrad.inspector import Inspector
    from minigrad.training.loop import LoopConfig, Run

    config = LoopConfig(steps=warmup + steps + 1, warmup_steps=1)
    with tempfile.TemporaryDirectory() as folder:
        run = Run(config, Path(folder))
        inspector = _watch(variant, run.model, max_depth)
        assert inspector is None or isinstance(inspector, Inspector)

        def step() -> None:
            run.train_step()
            if inspector is not None:
                inspector.snapshot()
                inspector.reset()

        for _ in range(warmup):
            step()
        faults, cpu, wall = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.process_time(), time.perf_counter()
        for _ in range(steps):
            step()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        digest = hashlib.sha256()
        for name, param in run.model.named_parameters():
            digest.update(name.encode())
            digest.update(param.data.tobytes())
    print(
        json.dumps(
            {
                "variant": variant,
                "cpu_ms": cpu / steps * 1e3,
                "wall_ms": wall / steps * 1e3,
                "minflt": faults / steps,
                "weights": digest.hexdigest(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="timed steps per process")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first, per process")
    parser.add_argument("--repeats", type=int, default=5, help="processes per variant")
    parser.add_argument("--max-depth", type=int, default=None, help="modules watched: dots in the name at most")
    parser.add_argument("--parts", action="store_true", help="also time each kind of reading on its own")
    parser.add_argument("--allocator", choices=("default", "steady", "both"), default="both", help="see above")
    parser.add_argument("--child", choices=("plain", "inspected", *PARTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    from minigrad.training.loop import INSPECT_DEPTH, LoopConfig

    depth = INSPECT_DEPTH if args.max_depth is None else (None if args.max_depth < 0 else args.max_depth)
    if args.child:
        child(args.child, args.steps, args.warmup, depth)
        return
    variants = ["plain", "inspected", *(PARTS if args.parts else ())]
    common = ["--steps", str(args.steps), "--warmup", str(args.warmup)]
    common += ["--max-depth", str(-1 if depth is None else depth)]
    config = LoopConfig()
    print(
        f"MiniGPT training step (d_model {config.d_model}, {config.n_layers} layers, batch {config.batch_size}, "
        f"float32, one BLAS thread); {args.repeats} fresh processes per variant, {args.steps} timed steps each "
        f"after {args.warmup} untimed; medians over processes"
    )
    digests: set[str] = set()
    for allocator in ("default", "steady") if args.allocator == "both" else (args.allocator,):
        environment = {k: v for k, v in os.environ.items() if k not in STEADY}
        if allocator == "steady":
            environment.update(STEADY)
        load = os.getloadavg()
        results: dict[str, list[dict[str, float | str]]] = {v: [] for v in variants}
        for repeat in range(args.repeats):
            for variant in variants if repeat % 2 == 0 else variants[::-1]:  # taking turns: ABBA...
                done = subprocess.run(
                    [sys.executable, __file__, "--child", variant, *common],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=environment,
                )
                results[variant].append(json.loads(done.stdout.strip().splitlines()[-1]))
        _report(allocator, variants, results, load)
        digests |= {str(r["weights"]) for rs in results.values() for r in rs}
    print(f"every process ended with the same weights: {len(digests) == 1}")


def _report(
    allocator: str, variants: list[str], results: dict[str, list[dict[str, float | str]]], load: tuple[float, ...]
) -> None:
    def median(variant: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in results[variant])

    print(
        f"{allocator} allocator (load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after: "
        f"{os.getloadavg()[0]:.2f})"
    )
    print(f"  {'variant':<18} {'CPU ms/step':>11} {'wall ms/step':>12} {'minor faults/step':>18} {'CPU ratio':>9}")
    plain_cpu = median("plain", "cpu_ms")
    for variant in variants:
        cpu = median(variant, "cpu_ms")
        print(
            f"  {variant:<18} {cpu:11.2f} {median(variant, 'wall_ms'):12.2f} "
            f"{median(variant, 'minflt'):18.1f} {cpu / plain_cpu:9.3f}"
        )
    ratio = median("inspected", "cpu_ms") / plain_cpu
    wall_ratio = median("inspected", "wall_ms") / median("plain", "wall_ms")
    print(f"  overhead ratio inspected / plain: {ratio:.3f} CPU, {wall_ratio:.3f} wall   (goal <= 1.30)")


if __name__ == "__main__":
    main()
