"""Time minigrad against PyTorch (CPU), mygrad and hand-written NumPy on three workloads.

    uv run --group bench python benchmarks/bench.py                   # the table
    uv run --group bench python benchmarks/bench.py --profile chain   # where minigrad's time goes

Every framework computes the same thing, checked once before timing (loss and
one gradient must agree).  BLAS runs single-threaded everywhere, so the table
compares the frameworks' own overhead and kernels, not thread scheduling.
"""

from __future__ import annotations

import os

# Before NumPy or PyTorch are imported: their BLAS reads these once, at load time.
BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in BLAS_THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import itertools  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import minigrad  # noqa: E402
import minigrad.functional as F  # noqa: E402, N812

try:
    import torch
    import torch.nn.functional as torch_F  # noqa: N812

    torch.set_num_threads(1)
except ImportError:  # torch lives in the dev group
    torch = None  # type: ignore[assignment]

try:
    import mygrad as mg
    from mygrad.nnet import relu as mg_relu
    from mygrad.nnet import softmax_crossentropy as mg_softmax_crossentropy

    # mygrad marks arrays in a graph read-only by default; its docs suggest turning that off for speed.
    mg.turn_memory_guarding_off()
except ImportError:  # mygrad lives in the bench group
    mg = None

FRAMEWORKS = ("minigrad", "PyTorch", "mygrad", "NumPy")

# A runner does one iteration (forward + backward, and the SGD update for the MLP)
# and returns a probe: called afterwards, it reads (loss, one gradient) as NumPy.
Probe = Callable[[], tuple[float, np.ndarray]]
Step = Callable[[], Probe]


def _torch_leaf(array: np.ndarray) -> Any:
    return torch.tensor(array, requires_grad=True)


# --------------------------------------------------------------------------- (a) tiny graph

TINY_A = np.random.default_rng(0).standard_normal(3)
TINY_B = np.random.default_rng(1).standard_normal((4, 3))


def tiny_minigrad() -> Step:
    a = minigrad.Tensor(TINY_A, requires_grad=True)
    b = minigrad.Tensor(TINY_B, requires_grad=True)

    def step() -> Probe:
        a.grad = b.grad = None
        loss = ((a + b) * b).sum()
        loss.backward()
        return lambda: (loss.item(), b.grad)  # type: ignore[return-value]

    return step


def tiny_torch() -> Step:
    a, b = _torch_leaf(TINY_A), _torch_leaf(TINY_B)

    def step() -> Probe:
        a.grad = b.grad = None
        loss = ((a + b) * b).sum()
        loss.backward()
        return lambda: (loss.item(), b.grad.numpy())

    return step


def tiny_mygrad() -> Step:
    a, b = mg.tensor(TINY_A), mg.tensor(TINY_B)

    def step() -> Probe:
        loss = ((a + b) * b).sum()  # mygrad clears a.grad and b.grad when they enter a new op
        loss.backward()
        return lambda: (loss.item(), b.grad)

    return step


def tiny_numpy() -> Step:
    a, b = TINY_A.copy(), TINY_B.copy()

    def step() -> Probe:
        s = a + b
        loss = (s * b).sum()
        # d/da sum((a+b)*b) = b summed over the axis a was broadcast along; d/db = (a+b) + b
        grads = (b.sum(axis=0), s + b)
        return lambda: (float(loss), grads[1])

    return step


# --------------------------------------------------------------------------- (b) MLP training step

MLP_SIZES = (784, 512, 256, 10)
MLP_BATCH = 256
MLP_LR = 0.01


def _mlp_data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(np.float32)
    targets = rng.integers(0, MLP_SIZES[-1], size=MLP_BATCH)
    params: list[np.ndarray] = []
    for n_in, n_out in itertools.pairwise(MLP_SIZES):
        params.append((rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32))  # He init
        params.append((rng.standard_normal(n_out) * 0.01).astype(np.float32))
    return x, targets, params


MLP_X, MLP_TARGETS, MLP_PARAMS = _mlp_data()


def mlp_minigrad() -> Step:
    x = minigrad.Tensor(MLP_X)
    params = [minigrad.Tensor(p, requires_grad=True) for p in MLP_PARAMS]
    w1, b1, w2, b2, w3, b3 = params

    def step() -> Probe:
        for p in params:
            p.grad = None
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        loss = F.cross_entropy(h @ w3 + b3, MLP_TARGETS)
        loss.backward()
        with minigrad.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=MLP_LR)  # type: ignore[arg-type]
        return lambda: (loss.item(), w1.grad)  # type: ignore[return-value]

    return step


def mlp_torch() -> Step:
    x = torch.from_numpy(MLP_X)
    targets = torch.from_numpy(MLP_TARGETS)
    params = [_torch_leaf(p) for p in MLP_PARAMS]
    w1, b1, w2, b2, w3, b3 = params

    def step() -> Probe:
        for p in params:
            p.grad = None
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        loss = torch_F.cross_entropy(h @ w3 + b3, targets)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=MLP_LR)
        return lambda: (loss.item(), w1.grad.numpy())

    return step


def mlp_mygrad() -> Step:
    x = mg.tensor(MLP_X, constant=True)
    params = [mg.tensor(p) for p in MLP_PARAMS]
    w1, b1, w2, b2, w3, b3 = params

    def step() -> Probe:
        h = mg_relu(x @ w1 + b1)
        h = mg_relu(h @ w2 + b2)
        loss = mg_softmax_crossentropy(h @ w3 + b3, MLP_TARGETS)
        loss.backward()
        for p in params:
            p.data -= MLP_LR * p.grad
        return lambda: (loss.item(), w1.grad)

    return step


def mlp_numpy() -> Step:
    x, targets = MLP_X, MLP_TARGETS
    params = [p.copy() for p in MLP_PARAMS]
    w1, b1, w2, b2, w3, b3 = params
    rows = np.arange(MLP_BATCH)

    def step() -> Probe:
        h1 = x @ w1 + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ w2 + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ w3 + b3
        # loss = mean(logsumexp(z) - z[target]), shifted by the row max for stability
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, targets]))
        # backward: dL/dz = (softmax(z) - onehot) / N, then the chain rule layer by layer
        dz = e / total
        dz[rows, targets] -= 1
        dz /= MLP_BATCH
        grads = [np.empty(0)] * 6
        grads[4], grads[5] = a2.T @ dz, dz.sum(axis=0)
        dh2 = (dz @ w3.T) * (h2 > 0)
        grads[2], grads[3] = a1.T @ dh2, dh2.sum(axis=0)
        dh1 = (dh2 @ w2.T) * (h1 > 0)
        grads[0], grads[1] = x.T @ dh1, dh1.sum(axis=0)
        for p, g in zip(params, grads):
            p -= MLP_LR * g
        return lambda: (loss, grads[0])

    return step


# --------------------------------------------------------------------------- (c) elementwise chain

CHAIN_LENGTH = 2000
CHAIN_X = np.random.default_rng(3).standard_normal(64)


def _chain(x: Any, tanh: Callable[[Any], Any]) -> Any:
    """x*1.0001, x+0.001, tanh(x), x-0.0005, repeated: CHAIN_LENGTH elementwise ops."""
    for i in range(CHAIN_LENGTH):
        step = i % 4
        if step == 0:
            x = x * 1.0001
        elif step == 1:
            x = x + 0.001
        elif step == 2:
            x = tanh(x)
        else:
            x = x - 0.0005
    return x


def chain_minigrad() -> Step:
    x = minigrad.Tensor(CHAIN_X, requires_grad=True)

    def step() -> Probe:
        x.grad = None
        loss = _chain(x, minigrad.Tensor.tanh).sum()
        loss.backward()
        return lambda: (loss.item(), x.grad)  # type: ignore[return-value]

    return step


def chain_torch() -> Step:
    x = _torch_leaf(CHAIN_X)

    def step() -> Probe:
        x.grad = None
        loss = _chain(x, torch.tanh).sum()
        loss.backward()
        return lambda: (loss.item(), x.grad.numpy())

    return step


def chain_mygrad() -> Step:
    x = mg.tensor(CHAIN_X)

    def step() -> Probe:
        loss = _chain(x, mg.tanh).sum()
        loss.backward()
        return lambda: (loss.item(), x.grad)

    return step


def chain_numpy() -> Step:
    x0 = CHAIN_X.copy()

    def step() -> Probe:
        tanh_outputs = []
        x = x0
        for i in range(CHAIN_LENGTH):
            op = i % 4
            if op == 0:
                x = x * 1.0001
            elif op == 1:
                x = x + 0.001
            elif op == 2:
                x = np.tanh(x)
                tanh_outputs.append(x)
            else:
                x = x - 0.0005
        loss = x.sum()
        # backward: d(sum)/dx = 1; * contributes 1.0001, tanh contributes 1 - tanh**2, + and - contribute 1
        g = np.ones_like(x)
        for i in reversed(range(CHAIN_LENGTH)):
            op = i % 4
            if op == 0:
                g = g * 1.0001
            elif op == 2:
                t = tanh_outputs.pop()
                g = g * (1.0 - t * t)
        return lambda: (float(loss), g)

    return step


# --------------------------------------------------------------------------- the table


@dataclass
class Case:
    name: str
    unit: str  # "us" or "ms"
    builders: dict[str, Callable[[], Step]]
    rtol: float  # for the agreement check
    target: str
    profile_iterations: int


CASES = {
    "tiny": Case(
        "tiny graph ((a+b)*b).sum() f+b",
        "us",
        {"minigrad": tiny_minigrad, "PyTorch": tiny_torch, "mygrad": tiny_mygrad, "NumPy": tiny_numpy},
        1e-10,
        "tiny graph <= 1/4 of PyTorch's time",
        20_000,
    ),
    "mlp": Case(
        "MLP 784-512-256-10 b256 f32 SGD step",
        "ms",
        {"minigrad": mlp_minigrad, "PyTorch": mlp_torch, "mygrad": mlp_mygrad, "NumPy": mlp_numpy},
        1e-3,
        "MLP step no slower than hand NumPy and faster than PyTorch",
        30,
    ),
    "chain": Case(
        f"{CHAIN_LENGTH}-op elementwise chain (64,) f64 f+b",
        "ms",
        {"minigrad": chain_minigrad, "PyTorch": chain_torch, "mygrad": chain_mygrad, "NumPy": chain_numpy},
        1e-10,
        "chain <= 3x hand NumPy",
        50,
    ),
}


def available(framework: str) -> bool:
    return {"PyTorch": torch is not None, "mygrad": mg is not None}.get(framework, True)


def check_agreement(case: Case) -> None:
    """One step from the same starting point: every framework's loss and gradient match NumPy-by-hand."""
    ref_loss, ref_grad = case.builders["NumPy"]()()()
    for framework, build in case.builders.items():
        if framework == "NumPy" or not available(framework):
            continue
        loss, grad = build()()()
        grad = np.asarray(grad)
        assert grad.shape == ref_grad.shape, f"{case.name}: {framework} gradient shape {grad.shape}"
        assert np.isclose(loss, ref_loss, rtol=case.rtol, atol=0), f"{case.name}: {framework} loss {loss} != {ref_loss}"
        scale = float(np.abs(ref_grad).max())
        np.testing.assert_allclose(
            grad, ref_grad, rtol=case.rtol, atol=case.rtol * scale, err_msg=f"{case.name}: {framework} gradient"
        )


def measure(steps: dict[str, Step], repeat: int, budget_s: float) -> dict[str, float]:
    """Median seconds per iteration of each step over ``repeat`` timed loops, after a warm-up.

    Like ``timeit.repeat``, with two differences.  The frameworks take turns
    (round-robin, a different one first each round), so that a slow spell of a
    shared machine hits them all alike and the ratios stay fair.  And the
    garbage collector stays on, as in a training loop: a framework that makes
    many Python objects pays for collecting them here.
    """
    loops: dict[str, int] = {}
    for name, step in steps.items():
        start = time.perf_counter()
        warmups = 0
        while warmups < 3 or time.perf_counter() - start < 0.05:
            step()
            warmups += 1
        per_call = (time.perf_counter() - start) / warmups
        loops[name] = max(1, int(budget_s / repeat / per_call))
    samples: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for round_ in range(repeat):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            step, number = steps[name], loops[name]
            t0 = time.perf_counter()
            for _ in range(number):
                step()
            samples[name].append((time.perf_counter() - t0) / number)
    return {name: statistics.median(times) for name, times in samples.items()}


def versions() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]  # type: ignore[index]
    except Exception:  # older NumPy: no mode="dicts"
        blas = "?"
    parts = [
        f"python {platform.python_version()}",
        f"minigrad {minigrad.__version__}",
        f"numpy {np.__version__} ({blas})",
        f"torch {torch.__version__ if torch is not None else 'n/a'}",
        f"mygrad {mg.__version__ if mg is not None else 'n/a'}",
    ]
    threads = ", ".join(f"{v}={os.environ[v]}" for v in BLAS_THREAD_VARS)
    torch_threads = f", torch.get_num_threads()={torch.get_num_threads()}" if torch is not None else ""
    guard = "; mygrad memory guarding off" if mg is not None else ""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())  # timings are only as quiet as the machine
    return " | ".join(parts) + f"\nBLAS threads: {threads}{torch_threads}{guard}; load average {load}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b is not None else "n/a"


def run_table(repeat: int, budget_s: float) -> None:
    # Everything imported so far (PyTorch alone brings ~190k objects) is moved out of the collector's
    # reach: otherwise each full collection during minigrad's or mygrad's timing rescans the other
    # frameworks' modules, a cost a program that imports only one framework would not pay.
    gc.collect()
    gc.freeze()
    print(versions())
    for framework in FRAMEWORKS:
        if not available(framework):
            print(f"note: {framework} is not importable; its column is n/a (run with `uv run --group bench ...`)")
    results: dict[str, dict[str, float | None]] = {}
    for key, case in CASES.items():
        check_agreement(case)
        steps = {framework: build() for framework, build in case.builders.items() if available(framework)}
        timings = measure(steps, repeat, budget_s)
        results[key] = {framework: timings.get(framework) for framework in FRAMEWORKS}

    scale = {"us": 1e6, "ms": 1e3}
    header = (
        f"{'benchmark':<42}{'unit':>5}"
        + "".join(f"{f:>10}" for f in FRAMEWORKS)
        + f"{'mg/torch':>10}{'mg/mygrad':>10}{'mg/numpy':>10}"
    )
    print(f"\nmedian of {repeat} repeats per cell; every framework agreed on loss and gradient before timing\n")
    print(header)
    print("-" * len(header))
    for key, case in CASES.items():
        row = results[key]
        cells = "".join(
            f"{row[f] * scale[case.unit]:>10.2f}" if row[f] is not None else f"{'n/a':>10}"  # type: ignore[operator]
            for f in FRAMEWORKS
        )
        mine = row["minigrad"]
        ratios = "".join(f"{ratio(mine, row[f]):>10}" for f in ("PyTorch", "mygrad", "NumPy"))
        print(f"{case.name:<42}{case.unit:>5}{cells}{ratios}")

    print("\ntargets:")
    tiny, mlp, chain = results["tiny"], results["mlp"], results["chain"]
    verdicts = [
        (CASES["tiny"].target, _le(tiny["minigrad"], tiny["PyTorch"], 0.25), ratio(tiny["minigrad"], tiny["PyTorch"])),
        (
            CASES["mlp"].target,
            _le(mlp["minigrad"], mlp["NumPy"], 1.0) and _lt(mlp["minigrad"], mlp["PyTorch"]),
            f"{ratio(mlp['minigrad'], mlp['NumPy'])} of NumPy, {ratio(mlp['minigrad'], mlp['PyTorch'])} of PyTorch",
        ),
        (CASES["chain"].target, _le(chain["minigrad"], chain["NumPy"], 3.0), ratio(chain["minigrad"], chain["NumPy"])),
    ]
    for target, passed, detail in verdicts:
        print(f"  {'PASS' if passed else 'MISS'}  {target:<60} ({detail})")


def _le(a: float | None, b: float | None, factor: float) -> bool:
    return a is not None and b is not None and a <= factor * b


def _lt(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and a < b


def run_profile(key: str, top: int) -> None:
    case = CASES[key]
    gc.collect()
    gc.freeze()  # as in the table: the collector does not rescan the imported frameworks
    step = case.builders["minigrad"]()
    for _ in range(3):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(case.profile_iterations):
        step()
    profiler.disable()
    print(f"minigrad, {case.name}: {case.profile_iterations} iterations under cProfile, top {top} by tottime")
    pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(CASES), help="profile minigrad's version of one case instead")
    parser.add_argument("--top", type=int, default=25, help="functions to list with --profile (default 25)")
    parser.add_argument("--repeat", type=int, default=7, help="timed repeats per cell (default 7)")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timing per cell (default 1.0)")
    args = parser.parse_args()
    if args.profile:
        run_profile(args.profile, args.top)
    else:
        run_table(args.repeat, args.budget)


if __name__ == "__main__":
    main()
