"""The Inspector's overhead on one MiniGPT training step (issue 18's goal: at most 30%), as a ratio in one run.

    uv run python benchmarks/bench_inspector.py [--steps 40] [--rounds 5] [--max-depth 2]

Two runs of :mod:`minigrad.training.loop` with the same config and seed (the
default: the course's MiniGPT, d_model 64, 2 layers, batch 16, float32), one
with an :class:`minigrad.inspector.Inspector` watching the model's parts down
to ``blocks.i.attn`` and every parameter (``register_all(max_depth=2)``, then ``snapshot()`` and ``reset()`` after
each step, as ``--inspect`` does), one without.  They take turns, ``--steps``
steps at a time, for ``--rounds`` rounds, in one process and one BLAS thread,
so that both see the same machine load; reported: the median CPU time (process_time) per step
of each and their ratio.  The weights of the two runs are compared at the end
(instrumentation must not change them).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from minigrad.inspector import Inspector  # noqa: E402
from minigrad.training.loop import INSPECT_DEPTH, LoopConfig, Run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="steps per turn")
    parser.add_argument("--rounds", type=int, default=5, help="turns of each run")
    parser.add_argument(
        "--max-depth", type=int, default=INSPECT_DEPTH, help="modules watched: dots in the name at most (-1: every one)"
    )
    args = parser.parse_args()
    config = LoopConfig(steps=args.steps * args.rounds + 1, warmup_steps=1)
    with tempfile.TemporaryDirectory() as folder:
        plain, watched = Run(config, Path(folder)), Run(config, Path(folder))
        inspector = Inspector(watched.model).register_all(None if args.max_depth < 0 else args.max_depth)
        times: dict[str, list[float]] = {"plain": [], "inspected": []}
        for _ in range(args.rounds):
            for name, run in (("plain", plain), ("inspected", watched)):
                for _ in range(args.steps):
                    start = time.process_time()
                    run.train_step()
                    if run is watched:
                        inspector.snapshot()
                        inspector.reset()
                    times[name].append(time.process_time() - start)
        same = all(
            a.data.tobytes() == b.data.tobytes()
            for (_, a), (_, b) in zip(plain.model.named_parameters(), watched.model.named_parameters())
        )
    plain_ms = statistics.median(times["plain"]) * 1e3
    inspected_ms = statistics.median(times["inspected"]) * 1e3
    print(f"MiniGPT step (d_model {config.d_model}, {config.n_layers} layers, batch {config.batch_size}, float32)")
    print(f"  plain      {plain_ms:8.2f} ms CPU/step (median of {len(times['plain'])})")
    print(
        f"  inspected  {inspected_ms:8.2f} ms CPU/step ({len(inspector.activations)} modules, "
        f"{len(inspector.gradients)} parameters watched)"
    )
    print(f"  ratio      {inspected_ms / plain_ms:8.3f}   (goal <= 1.30)")
    print(f"  weights identical after {len(times['plain'])} steps each: {same}")


if __name__ == "__main__":
    main()
