"""Time minigrad against PyTorch (CPU), mygrad and hand-written NumPy on five workloads, float32 and float64.

    uv run --group bench python benchmarks/bench.py                  # the table (10+ minutes on a busy machine)
    uv run --group bench python benchmarks/bench.py --quick          # smoke test: 1 short process per cell
    uv run --group bench python benchmarks/bench.py --profile lnmlp  # where minigrad's time goes

Every cell is measured in a fresh Python process that imports only its own
framework, so that one framework's heap (warm or fragmented) cannot change
another's figures.  BLAS runs single-threaded everywhere.  Each process
checks its framework's loss and gradient against the hand-written NumPy ones
before timing, and reports seconds and minor page faults per iteration.
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
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

FRAMEWORKS = ("NumPy", "minigrad", "PyTorch", "mygrad")
DTYPES = {"f32": np.float32, "f64": np.float64}
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}

# --malloc-keep: glibc's allocator keeps freed memory instead of handing it back to the OS, for every framework
# alike.  Read by glibc when a process starts, so only the worker processes see them.  Setting any of these
# turns off glibc's adaptive mmap threshold, hence both: arrays up to 32 MiB come from the heap, and the heap
# is trimmed only when 256 MiB of its top are free.
MALLOC_KEEP = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(256 * 2**20)}

# Imported by load_framework() in the worker process only, so that a minigrad cell never has PyTorch in memory.
minigrad: Any = None
F: Any = None
torch: Any = None
torch_F: Any = None  # noqa: N816
mg: Any = None


def load_framework(framework: str) -> None:
    global minigrad, F, torch, torch_F, mg
    if framework == "minigrad":
        import minigrad as _minigrad
        import minigrad.functional as _F  # noqa: N812

        minigrad, F = _minigrad, _F
    elif framework == "PyTorch":
        import torch as _torch
        import torch.nn.functional as _torch_F  # noqa: N812

        _torch.set_num_threads(1)
        torch, torch_F = _torch, _torch_F
    elif framework == "mygrad":
        import mygrad as _mg

        _mg.turn_memory_guarding_off()  # mygrad's docs suggest this for speed
        mg = _mg


# A runner does one iteration (forward + backward, and the SGD update for the MLP)
# and returns a probe: called afterwards, it reads (loss, one gradient) as NumPy.
Probe = Callable[[], tuple[float, np.ndarray]]
Step = Callable[[], Probe]


def _torch_leaf(array: np.ndarray) -> Any:
    return torch.tensor(array, requires_grad=True)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- (a) tiny graph


def _tiny_data(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    return _rng(0).standard_normal(3).astype(dtype), _rng(1).standard_normal((4, 3)).astype(dtype)


def tiny_minigrad(dtype: Any) -> Step:
    a, b = (minigrad.Tensor(v, requires_grad=True) for v in _tiny_data(dtype))

    def step() -> Probe:
        a.grad = b.grad = None
        loss = ((a + b) * b).sum()
        loss.backward()
        return lambda: (loss.item(), b.grad)

    return step


def tiny_torch(dtype: Any) -> Step:
    a, b = (_torch_leaf(v) for v in _tiny_data(dtype))

    def step() -> Probe:
        a.grad = b.grad = None
        loss = ((a + b) * b).sum()
        loss.backward()
        return lambda: (loss.item(), b.grad.numpy())

    return step


def tiny_mygrad(dtype: Any) -> Step:
    a, b = (mg.tensor(v) for v in _tiny_data(dtype))

    def step() -> Probe:
        loss = ((a + b) * b).sum()  # mygrad clears a.grad and b.grad when they enter a new op
        loss.backward()
        return lambda: (loss.item(), b.grad)

    return step


def tiny_numpy(dtype: Any) -> Step:
    a, b = _tiny_data(dtype)

    def step() -> Probe:
        s = a + b
        loss = (s * b).sum()
        # d/da sum((a+b)*b) = b summed over the axis a was broadcast along; d/db = (a+b) + b
        grads = (b.sum(axis=0), s + b)
        return lambda: (float(loss), grads[1])

    return step


# --------------------------------------------------------------------------- (b) broadcast-heavy


def _broadcast_data(dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = _rng(4)
    x = rng.standard_normal((256, 128)).astype(dtype)
    s = rng.standard_normal((256, 1)).astype(dtype)
    b = rng.standard_normal(128).astype(dtype)
    return x, s, b


def broadcast_minigrad(dtype: Any) -> Step:
    x, s, b = (minigrad.Tensor(v, requires_grad=True) for v in _broadcast_data(dtype))

    def step() -> Probe:
        x.grad = s.grad = b.grad = None
        loss = ((x * s + b).tanh() ** 2).mean()
        loss.backward()
        return lambda: (loss.item(), x.grad)

    return step


def broadcast_torch(dtype: Any) -> Step:
    x, s, b = (_torch_leaf(v) for v in _broadcast_data(dtype))

    def step() -> Probe:
        x.grad = s.grad = b.grad = None
        loss = (torch.tanh(x * s + b) ** 2).mean()
        loss.backward()
        return lambda: (loss.item(), x.grad.numpy())

    return step


def broadcast_mygrad(dtype: Any) -> Step:
    x, s, b = (mg.tensor(v) for v in _broadcast_data(dtype))

    def step() -> Probe:
        loss = (mg.tanh(x * s + b) ** 2).mean()
        loss.backward()
        return lambda: (loss.item(), x.grad)

    return step


def broadcast_numpy(dtype: Any) -> Step:
    x, s, b = _broadcast_data(dtype)
    scale = dtype(2.0 / x.size)

    def step() -> Probe:
        t = np.tanh(x * s + b)
        loss = float(np.mean(t * t))
        # d mean(t**2) / dt = 2t/N;  d tanh(u)/du = 1 - t**2;  u = x*s + b, with s and b broadcast
        du = t * scale * (1 - t * t)
        grads = (du * s, (du * x).sum(axis=1, keepdims=True), du.sum(axis=0))
        return lambda: (loss, grads[0])

    return step


# --------------------------------------------------------------------------- (c) MLP training step

MLP_SIZES = (784, 512, 256, 10)
MLP_BATCH = 256
MLP_LR = 0.01


def _mlp_data(dtype: Any) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = _rng(2)
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(dtype)
    targets = rng.integers(0, MLP_SIZES[-1], size=MLP_BATCH)
    params: list[np.ndarray] = []
    for n_in, n_out in itertools.pairwise(MLP_SIZES):
        params.append((rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype))  # He init
        params.append((rng.standard_normal(n_out) * 0.01).astype(dtype))
    return x, targets, params


def mlp_minigrad(dtype: Any) -> Step:
    x_data, targets, param_data = _mlp_data(dtype)
    x = minigrad.Tensor(x_data)
    params = [minigrad.Tensor(p, requires_grad=True) for p in param_data]
    w1, b1, w2, b2, w3, b3 = params

    def step() -> Probe:
        for p in params:
            p.grad = None
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        loss = F.cross_entropy(h @ w3 + b3, targets)
        loss.backward()
        with minigrad.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=MLP_LR)
        return lambda: (loss.item(), w1.grad)

    return step


def mlp_torch(dtype: Any) -> Step:
    x_data, target_data, param_data = _mlp_data(dtype)
    x, targets = torch.from_numpy(x_data), torch.from_numpy(target_data)
    params = [_torch_leaf(p) for p in param_data]
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


def mlp_mygrad(dtype: Any) -> Step:
    from mygrad.nnet import relu, softmax_crossentropy

    x_data, targets, param_data = _mlp_data(dtype)
    x = mg.tensor(x_data, constant=True)
    params = [mg.tensor(p) for p in param_data]
    w1, b1, w2, b2, w3, b3 = params

    def step() -> Probe:
        h = relu(x @ w1 + b1)
        h = relu(h @ w2 + b2)
        loss = softmax_crossentropy(h @ w3 + b3, targets)
        loss.backward()
        for p in params:
            p.data -= MLP_LR * p.grad
        return lambda: (loss.item(), w1.grad)

    return step


def mlp_numpy(dtype: Any) -> Step:
    x, targets, params = _mlp_data(dtype)
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


# --------------------------------------------------------------------------- (d) elementwise chain

CHAIN_LENGTH = 2000


def _chain_data(dtype: Any) -> np.ndarray:
    return _rng(3).standard_normal(64).astype(dtype)


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


def chain_minigrad(dtype: Any) -> Step:
    x = minigrad.Tensor(_chain_data(dtype), requires_grad=True)

    def step() -> Probe:
        x.grad = None
        loss = _chain(x, minigrad.Tensor.tanh).sum()
        loss.backward()
        return lambda: (loss.item(), x.grad)

    return step


def chain_torch(dtype: Any) -> Step:
    x = _torch_leaf(_chain_data(dtype))

    def step() -> Probe:
        x.grad = None
        loss = _chain(x, torch.tanh).sum()
        loss.backward()
        return lambda: (loss.item(), x.grad.numpy())

    return step


def chain_mygrad(dtype: Any) -> Step:
    x = mg.tensor(_chain_data(dtype))

    def step() -> Probe:
        loss = _chain(x, mg.tanh).sum()
        loss.backward()
        return lambda: (loss.item(), x.grad)

    return step


def chain_numpy(dtype: Any) -> Step:
    x0 = _chain_data(dtype)

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


# --------------------------------------------------------------------------- (e) LayerNorm + MLP block

LN_BATCH, LN_WIDTH, LN_HIDDEN, LN_EPS = 512, 256, 1024, 1e-5
GELU_C, GELU_K = math.sqrt(2 / math.pi), 0.044715


def _lnmlp_data(dtype: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    """x, then LayerNorm weight and bias, then the two Linear layers' (out, in) weights and biases."""
    rng = _rng(5)
    x = rng.standard_normal((LN_BATCH, LN_WIDTH)).astype(dtype)
    params = [
        1 + 0.1 * rng.standard_normal(LN_WIDTH),
        0.1 * rng.standard_normal(LN_WIDTH),
        rng.standard_normal((LN_HIDDEN, LN_WIDTH)) / np.sqrt(LN_WIDTH),
        0.1 * rng.standard_normal(LN_HIDDEN),
        rng.standard_normal((LN_WIDTH, LN_HIDDEN)) / np.sqrt(LN_HIDDEN),
        0.1 * rng.standard_normal(LN_WIDTH),
    ]
    return x, [p.astype(dtype) for p in params]


def lnmlp_minigrad(dtype: Any) -> Step:
    nn = minigrad.nn
    x_data, param_data = _lnmlp_data(dtype)
    x = minigrad.Tensor(x_data, requires_grad=True)
    norm = nn.LayerNorm(LN_WIDTH, eps=LN_EPS, dtype=dtype)
    up, down = nn.Linear(LN_WIDTH, LN_HIDDEN, dtype=dtype), nn.Linear(LN_HIDDEN, LN_WIDTH, dtype=dtype)
    gelu = nn.GELU(approximate="tanh")
    params = [norm.weight, norm.bias, up.weight, up.bias, down.weight, down.bias]
    for p, value in zip(params, param_data):
        p.data = value

    def step() -> Probe:
        x.grad = None
        for p in params:
            p.grad = None
        y = x + down(gelu(up(norm(x))))
        loss = (y**2).mean()
        loss.backward()
        return lambda: (loss.item(), x.grad)

    return step


def lnmlp_torch(dtype: Any) -> Step:
    x_data, param_data = _lnmlp_data(dtype)
    x = _torch_leaf(x_data)
    params = [_torch_leaf(p) for p in param_data]
    ln_w, ln_b, w1, b1, w2, b2 = params

    def step() -> Probe:
        x.grad = None
        for p in params:
            p.grad = None
        h = torch_F.layer_norm(x, (LN_WIDTH,), ln_w, ln_b, LN_EPS)
        y = x + torch_F.linear(torch_F.gelu(torch_F.linear(h, w1, b1), approximate="tanh"), w2, b2)
        loss = (y**2).mean()
        loss.backward()
        return lambda: (loss.item(), x.grad.numpy())

    return step


def lnmlp_mygrad(dtype: Any) -> Step:
    x_data, param_data = _lnmlp_data(dtype)
    x = mg.tensor(x_data)
    params = [mg.tensor(p) for p in param_data]
    ln_w, ln_b, w1, b1, w2, b2 = params

    def step() -> Probe:  # mygrad has no LayerNorm or GELU: composed from its ops
        centered = x - x.mean(axis=1, keepdims=True)
        xhat = centered / mg.sqrt((centered**2).mean(axis=1, keepdims=True) + LN_EPS)
        a = (xhat * ln_w + ln_b) @ w1.T + b1
        act = 0.5 * a * (1 + mg.tanh(GELU_C * (a + GELU_K * a**3)))
        y = x + act @ w2.T + b2
        loss = (y**2).mean()
        loss.backward()
        return lambda: (loss.item(), x.grad)

    return step


def lnmlp_numpy(dtype: Any) -> Step:
    x, (ln_w, ln_b, w1, b1, w2, b2) = _lnmlp_data(dtype)
    c, k, two_over_n = dtype(GELU_C), dtype(GELU_K), dtype(2.0 / x.size)

    def step() -> Probe:
        mu = x.mean(axis=1, keepdims=True)
        centered = x - mu
        rstd = 1 / np.sqrt((centered * centered).mean(axis=1, keepdims=True) + dtype(LN_EPS))
        xhat = centered * rstd
        h = xhat * ln_w + ln_b
        a = h @ w1.T + b1
        t = np.tanh(c * (a + k * a * a * a))
        act = 0.5 * a * (1 + t)
        y = x + act @ w2.T + b2
        loss = float(np.mean(y * y))
        # backward: dL/dy = 2y/N reaches x directly (the residual) and through down, GELU, up and LayerNorm
        dy = y * two_over_n
        d_act = dy @ w2
        grads = [np.empty(0)] * 7
        grads[5], grads[6] = dy.T @ act, dy.sum(axis=0)
        # GELU(tanh): d/da = 0.5 (1 + t) + 0.5 a (1 - t**2) c (1 + 3k a**2)
        da = d_act * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * c * (1 + 3 * k * a * a))
        grads[3], grads[4] = da.T @ h, da.sum(axis=0)
        dh = da @ w1
        grads[1], grads[2] = (dh * xhat).sum(axis=0), dh.sum(axis=0)
        # LayerNorm: dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sigma, dxhat = dh * weight
        dxhat = dh * ln_w
        dx = rstd * (dxhat - dxhat.mean(axis=1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=1, keepdims=True))
        grads[0] = dx + dy
        return lambda: (loss, grads[0])

    return step


# --------------------------------------------------------------------------- the table


@dataclass
class Workload:
    name: str
    unit: str  # "us" or "ms"
    builders: dict[str, Callable[[Any], Step]]
    rtol: dict[str, float]  # by dtype key: for the agreement check
    profile_iterations: int


WORKLOADS = {
    "tiny": Workload(
        "tiny graph ((a+b)*b).sum()",
        "us",
        {"NumPy": tiny_numpy, "minigrad": tiny_minigrad, "PyTorch": tiny_torch, "mygrad": tiny_mygrad},
        {"f32": 1e-5, "f64": 1e-10},
        20_000,
    ),
    "broadcast": Workload(
        "broadcast (tanh(x*s+b)**2).mean()",
        "ms",
        {
            "NumPy": broadcast_numpy,
            "minigrad": broadcast_minigrad,
            "PyTorch": broadcast_torch,
            "mygrad": broadcast_mygrad,
        },
        {"f32": 1e-4, "f64": 1e-10},
        2_000,
    ),
    "mlp": Workload(
        "MLP 784-512-256-10 b256 SGD step",
        "ms",
        {"NumPy": mlp_numpy, "minigrad": mlp_minigrad, "PyTorch": mlp_torch, "mygrad": mlp_mygrad},
        {"f32": 1e-3, "f64": 1e-8},
        30,
    ),
    "chain": Workload(
        f"{CHAIN_LENGTH}-op elementwise chain (64,)",
        "ms",
        {"NumPy": chain_numpy, "minigrad": chain_minigrad, "PyTorch": chain_torch, "mygrad": chain_mygrad},
        {"f32": 1e-4, "f64": 1e-10},
        50,
    ),
    "lnmlp": Workload(
        "LayerNorm+MLP block (512,256)",
        "ms",
        {"NumPy": lnmlp_numpy, "minigrad": lnmlp_minigrad, "PyTorch": lnmlp_torch, "mygrad": lnmlp_mygrad},
        {"f32": 1e-3, "f64": 1e-8},
        30,
    ),
}


def time_steps(step: Step, repeat: int, budget_s: float, clock: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Seconds and minor page faults per iteration, one value per timed loop, after a warm-up.

    ``clock`` is ``time.process_time`` (CPU seconds of this process, the
    default: on a shared machine, time spent waiting for a core is not the
    framework's) or ``time.perf_counter`` (wall time).  The faults come from
    ``getrusage(RUSAGE_SELF).ru_minflt`` around each loop: a page the process
    touches for the first time since the OS gave it (fresh memory from mmap or
    from growing the heap) costs one fault.  The garbage collector stays on,
    as in a training loop.
    """
    start = clock()
    warmups = 0
    while warmups < 3 or clock() - start < 0.05:
        step()
        warmups += 1
    per_call = (clock() - start) / warmups
    number = max(1, int(budget_s / repeat / per_call))
    seconds: list[float] = []
    faults: list[float] = []
    for _ in range(repeat):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = clock()
        for _ in range(number):
            step()
        t1 = clock()
        f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        seconds.append((t1 - t0) / number)
        faults.append((f1 - f0) / number)
    return seconds, faults


def worker(
    workload: str, dtype_key: str, framework: str, repeat: int, budget_s: float, clock: str, probe_path: str
) -> None:
    """One cell, in its own process: check one step's loss and gradient (saved for the parent), then time."""
    load_framework(framework)
    gc.collect()
    gc.freeze()  # the imported modules are not the workload's garbage: keep the collector off them
    build = WORKLOADS[workload].builders[framework]
    dtype = DTYPES[dtype_key]
    loss, grad = build(dtype)()()  # a fresh build: every framework starts from the same values
    np.save(probe_path, np.asarray(grad, dtype=np.float64))
    seconds, faults = time_steps(build(dtype), repeat, budget_s, CLOCKS[clock])
    version = {"minigrad": minigrad, "PyTorch": torch, "mygrad": mg, "NumPy": np}[framework].__version__
    print(json.dumps({"loss": float(loss), "seconds": seconds, "faults": faults, "version": version}))


@dataclass
class Cell:
    seconds: list[float]
    faults: list[float]
    version: str

    @property
    def time(self) -> float:
        return statistics.median(self.seconds)

    @property
    def fault_rate(self) -> float:
        return statistics.median(self.faults)


def run_cell(
    workload: str, dtype_key: str, framework: str, repeat: int, budget_s: float, clock: str, probe_path: str
) -> dict[str, Any] | None:
    args = [workload, dtype_key, framework, str(repeat), str(budget_s), clock, probe_path]
    done = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True)
    if done.returncode != 0:
        missing = "ModuleNotFoundError" in done.stderr
        if missing and framework in ("PyTorch", "mygrad"):
            return None  # the optional framework is not installed: its column reads n/a
        raise RuntimeError(f"{framework} on {workload} {dtype_key} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def check_agreement(workload: str, dtype_key: str, framework: str, loss: float, grad: np.ndarray, ref: Any) -> None:
    ref_loss, ref_grad = ref
    rtol = WORKLOADS[workload].rtol[dtype_key]
    label = f"{workload} {dtype_key}: {framework}"
    assert grad.shape == ref_grad.shape, f"{label} gradient shape {grad.shape} != {ref_grad.shape}"
    assert np.isclose(loss, ref_loss, rtol=rtol, atol=0), f"{label} loss {loss} != {ref_loss}"
    scale = float(np.abs(ref_grad).max())
    np.testing.assert_allclose(grad, ref_grad, rtol=rtol, atol=rtol * scale, err_msg=f"{label} gradient")


def measure_all(
    workloads: list[str],
    dtypes: list[str],
    frameworks: list[str],
    rounds: int,
    repeat: int,
    budget_s: float,
    clock: str,
) -> tuple[dict[tuple[str, str, str], Cell | None], dict[str, str]]:
    """Every (workload, dtype, framework) cell, ``rounds`` fresh processes each, their repeats pooled.

    Within a round the frameworks take turns in a rotating order, so that a
    slow spell of a shared machine hits them all alike.
    """
    cells: dict[tuple[str, str, str], Cell | None] = {}
    versions: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workload, dtype_key in itertools.product(workloads, dtypes):
            reference: Any = None
            for round_ in range(rounds):
                order = tuple(f for f in FRAMEWORKS[round_ % 4 :] + FRAMEWORKS[: round_ % 4] if f in frameworks)
                if reference is None:  # NumPy-by-hand first: it is the reference the others are checked against
                    order = ("NumPy", *(f for f in order if f != "NumPy"))
                for framework in order:
                    key = (workload, dtype_key, framework)
                    if key in cells and cells[key] is None:
                        continue
                    probe_path = os.path.join(tmp, f"{workload}-{dtype_key}-{framework}.npy")
                    out = run_cell(workload, dtype_key, framework, repeat, budget_s, clock, probe_path)
                    if out is None:
                        cells[key] = None
                        continue
                    grad = np.load(probe_path)
                    if framework == "NumPy" and reference is None:
                        reference = (out["loss"], grad)
                    check_agreement(workload, dtype_key, framework, out["loss"], grad, reference)
                    versions[framework] = out["version"]
                    cell = cells.get(key)
                    if cell is None:
                        cells[key] = Cell(out["seconds"], out["faults"], out["version"])
                    else:
                        cell.seconds += out["seconds"]
                        cell.faults += out["faults"]
            print(f"  measured {workload} {dtype_key}", file=sys.stderr, flush=True)
    return cells, versions


def header(versions: dict[str, str]) -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:  # older NumPy: no mode="dicts"
        blas = "?"
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__} ({blas})"]
    parts += [f"{f} {versions.get(f, 'n/a')}" for f in FRAMEWORKS if f != "NumPy"]
    threads = ", ".join(f"{v}=1" for v in BLAS_THREAD_VARS)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())  # timings are only as quiet as the machine
    malloc = " ".join(f"{k}={os.environ[k]}" for k in MALLOC_KEEP if k in os.environ) or "glibc defaults"
    return " | ".join(parts) + (
        f"\nBLAS threads: {threads}, torch.set_num_threads(1); allocator: {malloc}; load average {load}"
    )


def ratio(a: Cell | None, b: Cell | None) -> float | None:
    return a.time / b.time if a is not None and b is not None else None


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def print_table(cells: dict[tuple[str, str, str], Cell | None], workloads: list[str], dtypes: list[str]) -> None:
    scale = {"us": 1e6, "ms": 1e3}
    columns = f"{'workload':<36}{'dtype':>6}{'unit':>5}" + "".join(f"{f:>10}" for f in FRAMEWORKS)
    columns += f"{'mg/torch':>10}{'mg/numpy':>10}   faults/iter (NumPy / minigrad / PyTorch / mygrad)"
    print(columns)
    print("-" * len(columns))
    for workload, dtype_key in itertools.product(workloads, dtypes):
        spec = WORKLOADS[workload]
        row = {f: cells.get((workload, dtype_key, f)) for f in FRAMEWORKS}
        times = "".join(
            f"{c.time * scale[spec.unit]:>10.3g}" if c is not None else f"{'n/a':>10}" for c in row.values()
        )
        ratios = f"{fmt_ratio(ratio(row['minigrad'], row['PyTorch'])):>10}"
        ratios += f"{fmt_ratio(ratio(row['minigrad'], row['NumPy'])):>10}"
        faults = " / ".join(f"{c.fault_rate:.0f}" if c is not None else "n/a" for c in row.values())
        print(f"{spec.name:<36}{dtype_key:>6}{spec.unit:>5}{times}{ratios}   {faults}")


def print_targets(cells: dict[tuple[str, str, str], Cell | None], workloads: list[str], dtypes: list[str]) -> None:
    """The performance issue's targets, each PASS or MISS with its measured figure."""
    verdicts: list[tuple[str, bool | None, str]] = []
    for workload, dtype_key in itertools.product(workloads, dtypes):
        mine, torch_cell, numpy_cell = (cells.get((workload, dtype_key, f)) for f in ("minigrad", "PyTorch", "NumPy"))
        vs_torch, vs_numpy = ratio(mine, torch_cell), ratio(mine, numpy_cell)
        label = f"{workload} {dtype_key}"
        limit = {"tiny": 0.3, "chain": 0.5}.get(workload, 1.0)
        ok = None if vs_torch is None else vs_torch <= limit
        verdicts.append((f"{label}: minigrad <= {limit}x PyTorch", ok, fmt_ratio(vs_torch)))
        if workload in ("broadcast", "lnmlp") and mine is not None and numpy_cell is not None:
            ok = vs_numpy is not None and vs_numpy <= 1.5
            verdicts.append((f"{label}: minigrad <= 1.5x hand NumPy", ok, fmt_ratio(vs_numpy)))
            allowed = 2 * numpy_cell.fault_rate + 100
            ok = mine.fault_rate <= allowed
            verdicts.append(
                (f"{label}: faults <= 2 x NumPy's + 100", ok, f"{mine.fault_rate:.0f} vs at most {allowed:.0f}")
            )
    print("\ntargets (issue 10):")
    for target, passed, detail in verdicts:
        word = "n/a " if passed is None else ("PASS" if passed else "MISS")
        print(f"  {word}  {target:<48} ({detail})")


def run_profile(workload: str, dtype_key: str, top: int) -> None:
    """minigrad's version of one workload under cProfile, with its faults and peak traced allocation."""
    import tracemalloc

    load_framework("minigrad")
    gc.collect()
    gc.freeze()
    spec = WORKLOADS[workload]
    step = spec.builders["minigrad"](DTYPES[dtype_key])
    for _ in range(3):
        step()
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(spec.profile_iterations):
        step()
    profiler.disable()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / spec.profile_iterations
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"minigrad, {spec.name} {dtype_key}: {spec.profile_iterations} iterations under cProfile")
    print(f"minor page faults per iteration: {faults:.0f}; peak traced allocation in one step: {peak / 2**20:.1f} MiB")
    pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(WORKLOADS), help="profile minigrad's version of one workload")
    parser.add_argument("--top", type=int, default=25, help="functions to list with --profile (default 25)")
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    parser.add_argument(
        "--frameworks", nargs="+", choices=FRAMEWORKS[1:], default=list(FRAMEWORKS[1:]), help="besides NumPy (always)"
    )
    parser.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=list(DTYPES))
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per cell, pooled (default 3)")
    parser.add_argument("--repeat", type=int, default=5, help="timed loops per process (default 5)")
    parser.add_argument("--budget", type=float, default=0.5, help="seconds of timing per process (default 0.5)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 1 round, 2 short loops per cell")
    parser.add_argument(
        "--clock", choices=sorted(CLOCKS), default="cpu", help="cpu: the process's CPU time (default); wall: wall time"
    )
    parser.add_argument(
        "--malloc-keep", action="store_true", help="run every worker with glibc told to keep freed memory (MALLOC_KEEP)"
    )
    parser.add_argument("--worker", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        workload, dtype_key, framework, repeat, budget, clock, probe_path = args.worker
        worker(workload, dtype_key, framework, int(repeat), float(budget), clock, probe_path)
        return
    if args.profile:
        run_profile(args.profile, args.dtypes[0], args.top)
        return
    rounds, repeat, budget = (1, 2, 0.05) if args.quick else (args.rounds, args.repeat, args.budget)
    if args.malloc_keep:
        os.environ.update(MALLOC_KEEP)
    cells, versions = measure_all(
        args.workloads, args.dtypes, ["NumPy", *args.frameworks], rounds, repeat, budget, args.clock
    )
    print(header(versions))
    print(
        f"\neach cell: {rounds} fresh process(es) x {repeat} timed loops, median of the pooled loops, "
        f"{args.clock} time; "
        "every framework agreed with hand-written NumPy on loss and gradient first\n"
    )
    print_table(cells, args.workloads, args.dtypes)
    print_targets(cells, args.workloads, args.dtypes)


if __name__ == "__main__":
    main()
