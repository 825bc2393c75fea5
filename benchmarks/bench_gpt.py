"""One MiniGPT training step, minigrad against PyTorch CPU, single-threaded.

    uv run python benchmarks/bench_gpt.py                 # the row
    uv run python benchmarks/bench_gpt.py --malloc-keep   # the row, glibc keeping freed memory (both frameworks)
    uv run python benchmarks/bench_gpt.py --profile       # where minigrad's time goes

The step: the course's MiniGPT (vocab 64, d_model 64, 4 heads, 2 layers, d_ff
256, sinusoidal positions, tied head; 103,680 parameters) in float32, batch 32,
context 16: forward, shifted language-model loss, backward, AdamW step.  Both
frameworks start from the same weights (PyTorch loads minigrad's state_dict
with no renaming) and their first losses are compared before timing.  Each
framework runs in a fresh process (``--framework NAME``), so neither pays for
the other's imports or allocator state.  Reported: the median time per step
over repeats, the CPU time per step (user + system, less sensitive to other
jobs on the machine), and minor page faults per step (``resource.getrusage``),
a measure of how much fresh memory each step asks the OS for.  With glibc's
defaults most of minigrad's faults come from the heap top that each step
frees and the next one faults in again; ``--malloc-keep`` runs both
processes with ``bench.py``'s ``MALLOC_KEEP`` (see benchmarks/README.md).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from bench import MALLOC_KEEP  # noqa: E402

BATCH, CONTEXT, SEED = 32, 16, 0


def batch_ids() -> np.ndarray:
    return np.random.default_rng(SEED).integers(0, 64, (BATCH, CONTEXT))


def minigrad_model() -> Any:
    from minigrad import nn

    return nn.MiniGPT.course(context_length=CONTEXT, dtype=np.float32, generator=np.random.default_rng(SEED))


def minigrad_step() -> Callable[[], float]:
    from minigrad.optim import AdamW
    from minigrad.training.gpt import language_model_loss

    model, ids = minigrad_model(), batch_ids()
    optimizer = AdamW(model.parameters(), lr=1e-3)

    def step() -> float:
        optimizer.zero_grad()
        loss = language_model_loss(model(ids), ids)
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step


def torch_step() -> Callable[[], float]:
    import torch

    torch.set_num_threads(1)
    torch_f = torch.nn.functional

    class Block(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1 = torch.nn.LayerNorm(64)
            self.attn = torch.nn.MultiheadAttention(64, 4, bias=False, batch_first=True)
            self.ln2 = torch.nn.LayerNorm(64)
            self.mlp = torch.nn.Sequential(
                torch.nn.Linear(64, 256), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(256, 64)
            )

        def forward(self, x: Any, mask: Any) -> Any:
            h = self.ln1(x)
            x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
            return x + self.mlp(self.ln2(x))

    class GPT(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok_emb = torch.nn.Embedding(64, 64)
            self.blocks = torch.nn.ModuleList([Block(), Block()])
            self.ln_f = torch.nn.LayerNorm(64)
            self.lm_head = torch.nn.Linear(64, 64, bias=False)
            self.lm_head.weight = self.tok_emb.weight
            positions = torch.arange(CONTEXT, dtype=torch.float32)[:, None]
            freq = torch.exp(-math.log(10000.0) * torch.arange(0, 64, 2, dtype=torch.float32) / 64)
            pe = torch.zeros(CONTEXT, 64)
            pe[:, 0::2], pe[:, 1::2] = torch.sin(positions * freq), torch.cos(positions * freq)
            self.register_buffer("pe", pe, persistent=False)
            self.register_buffer("mask", torch.triu(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool), 1), False)

        def forward(self, ids: Any) -> Any:
            x = self.tok_emb(ids) + self.pe[: ids.shape[1]]
            for block in self.blocks:
                x = block(x, self.mask)
            return self.lm_head(self.ln_f(x))

    model = GPT()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in minigrad_model().state_dict().items()})
    ids = torch.from_numpy(batch_ids())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step() -> float:
        optimizer.zero_grad()
        logits = model(ids)
        loss = torch_f.cross_entropy(logits[:, :-1].reshape(-1, 64), ids[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step


STEPS = {"minigrad": minigrad_step, "PyTorch": torch_step}


def measure(framework: str, repeats: int, per_repeat: int) -> dict[str, Any]:
    step = STEPS[framework]()
    first_loss = step()
    for _ in range(3):  # warm up caches and allocators
        step()
    times, cpu_times, faults = [], [], []
    for _ in range(repeats):
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(per_repeat):
            step()
        times.append((time.perf_counter() - start) / per_repeat)
        cpu_times.append((time.process_time() - cpu_start) / per_repeat)
        faults.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before) / per_repeat)
    return {
        "framework": framework,
        "first_loss": first_loss,
        "median_ms": 1000 * statistics.median(times),
        "min_ms": 1000 * min(times),
        "median_cpu_ms": 1000 * statistics.median(cpu_times),
        "minor_faults_per_step": statistics.median(faults),
    }


def run_fresh(framework: str, repeats: int, per_repeat: int) -> dict[str, Any]:
    """The measurement in a new Python process, read back as JSON."""
    command = [
        sys.executable,
        __file__,
        "--framework",
        framework,
        "--repeats",
        str(repeats),
        "--steps",
        str(per_repeat),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=tuple(STEPS), help="measure one framework in this process (internal)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10, help="steps per repeat")
    parser.add_argument("--profile", action="store_true", help="cProfile 20 minigrad steps")
    parser.add_argument(
        "--malloc-keep", action="store_true", help="run both processes with glibc keeping freed memory (MALLOC_KEEP)"
    )
    args = parser.parse_args()
    if args.malloc_keep:
        os.environ.update(MALLOC_KEEP)  # read by glibc when each measuring process starts
    if args.framework:
        print(json.dumps(measure(args.framework, args.repeats, args.steps)))
        return
    if args.profile:
        import cProfile
        import pstats

        step = minigrad_step()
        step()
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [step() for _ in range(20)])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        return
    rows = [run_fresh(name, args.repeats, args.steps) for name in STEPS]
    if not math.isclose(rows[0]["first_loss"], rows[1]["first_loss"], rel_tol=1e-4):
        raise SystemExit(
            f"the frameworks disagree on the first loss: {rows[0]['first_loss']} vs {rows[1]['first_loss']}"
        )
    allocator = " ".join(f"{k}={v}" for k, v in MALLOC_KEEP.items()) if args.malloc_keep else "glibc defaults"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"MiniGPT training step (course config, batch {BATCH}, context {CONTEXT}, float32, 1 thread)")
    print(f"allocator: {allocator}; load average {load}")
    print(f"{'framework':<10} {'median ms/step':>15} {'min ms':>8} {'CPU ms/step':>12} {'minor faults/step':>18}")
    for row in rows:
        print(
            f"{row['framework']:<10} {row['median_ms']:>15.2f} {row['min_ms']:>8.2f} {row['median_cpu_ms']:>12.2f} "
            f"{row['minor_faults_per_step']:>18.1f}"
        )
    print(
        f"minigrad / PyTorch: {rows[0]['median_ms'] / rows[1]['median_ms']:.2f}x "
        f"(CPU time: {rows[0]['median_cpu_ms'] / rows[1]['median_cpu_ms']:.2f}x)"
    )


if __name__ == "__main__":
    main()
