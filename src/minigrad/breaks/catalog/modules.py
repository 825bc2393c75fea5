"""Breaks in modules and optimizers (``minigrad/nn``, ``minigrad/optim``): normalization, dropout, residuals,
Adam and AdamW, and ``zero_grad``.

Gradient checks test how a function is differentiated.  These bugs change *which* function a layer computes,
or what an optimizer does with a correct gradient, so finite differences mostly stay silent: a broken layer
is still differentiated correctly.  Each break therefore brings its own check against PyTorch's module or
optimizer (PyTorch is imported only when the check runs), and a probe that crosschecks the layer where
PyTorch has a functional counterpart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...engine import no_grad
from ...nn import BatchNorm1d, Dropout, Linear, Module, Parameter, Residual, RMSNorm, Sequential, Tanh
from ...optim import SGD, Adam, AdamW, Optimizer
from ...tensor import Tensor
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import SAME, WRONG_VALUES, Observation, const, leaf, normal, rng

Array = np.ndarray[Any, np.dtype[np.float64]]


def _torch() -> Any:
    """PyTorch, imported lazily (a clear error names the extra to install if it is missing)."""
    from ...diagnostics.crosscheck import import_torch

    return import_torch()


def _differs(mine: Any, theirs: Any, tol: float = 1e-9) -> bool:
    """Elementwise ``|mine - theirs| > tol * (1 + |theirs|)`` anywhere; NaN always differs."""
    return not np.allclose(np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float), rtol=tol, atol=tol)


def _worst(mine: Any, theirs: Any) -> float:
    return float(np.max(np.abs(np.asarray(mine, dtype=float) - np.asarray(theirs, dtype=float))))


# --------------------------------------------------------------------------- batchnorm-eval-uses-batch-stats

BN_MEAN = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
BN_STD = np.array([2.0, 0.5, 1.0])


def _bn_batch(seed: int, n: int = 8, shift: float = 0.0) -> Array:
    """``n`` examples of 3 channels from N(BN_MEAN + shift, BN_STD**2) (the torch check's batches)."""
    return np.asarray(BN_MEAN + shift + BN_STD * normal(seed, n, 3), dtype=np.float64)


def _bn_train_mode() -> Observation:
    mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
    std = np.array([2.0, 0.5, 1.0])
    x = Tensor(mean + std * np.random.default_rng(1).standard_normal((8, 3)), requires_grad=True)
    v = np.random.default_rng(2).standard_normal((8, 3))  # a random upstream gradient
    layer = BatchNorm1d(3)
    layer.train()  # training mode (the default): the batch's own statistics
    y = layer(x)
    (y * v).sum().backward()
    weight, _ = layer.parameters()  # the per-channel gain and bias
    buffers = layer.state_dict()
    return {
        "y": y.data,
        "x.grad": x.grad,
        "weight.grad": weight.grad,
        "running_mean": buffers["running_mean"],
        "running_var": buffers["running_var"],
    }


def _bn_eval_one_example() -> Observation:
    mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
    std = np.array([2.0, 0.5, 1.0])
    x = Tensor(mean + std * np.random.default_rng(3).standard_normal((1, 3)), requires_grad=True)  # one example
    v = np.random.default_rng(4).standard_normal((1, 3))  # a random upstream gradient
    layer = BatchNorm1d(3)
    with no_grad():  # training: 30 batches of 8 (train mode, which the break leaves alone)
        for seed in range(100, 130):
            layer(Tensor(mean + std * np.random.default_rng(seed).standard_normal((8, 3))))
    layer.eval()  # inference
    y = layer(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad}


def _bn_eval_example_in_two_batches() -> Observation:
    mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
    std = np.array([2.0, 0.5, 1.0])
    example = mean + std * np.random.default_rng(5).standard_normal((1, 3))
    others_a = mean + std * np.random.default_rng(6).standard_normal((7, 3))
    others_b = mean + 2.0 + std * np.random.default_rng(7).standard_normal((7, 3))  # 2 units above the mean
    layer = BatchNorm1d(3)
    with no_grad():  # training: 30 batches of 8 (train mode, which the break leaves alone)
        for seed in range(100, 130):
            layer(Tensor(mean + std * np.random.default_rng(seed).standard_normal((8, 3))))
    layer.eval()  # inference: the same example in two batches
    in_batch_a = layer(Tensor(np.concatenate([example, others_a]))).data[0]
    in_batch_b = layer(Tensor(np.concatenate([example, others_b]))).data[0]
    return {
        "y of the example in batch A": in_batch_a,
        "y of the example in batch B": in_batch_b,
        "same prediction in both batches": bool(np.array_equal(in_batch_a, in_batch_b)),
    }


def _bn_eval_shifted_batch() -> Observation:
    mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
    std = np.array([2.0, 0.5, 1.0])
    x = mean + 3.0 + std * np.random.default_rng(8).standard_normal((64, 3))  # 3 units above the training mean
    layer = BatchNorm1d(3)
    with no_grad():  # training: 30 batches of 8 (train mode, which the break leaves alone)
        for seed in range(100, 130):
            layer(Tensor(mean + std * np.random.default_rng(seed).standard_normal((8, 3))))
    layer.eval()  # inference
    y = layer(Tensor(x)).data
    return {"per-channel mean of y": y.mean(axis=0), "per-channel std of y": y.std(axis=0)}


BN_PROBE_MEAN = np.array([0.5, -1.0, 2.0])
BN_PROBE_VAR = np.array([0.25, 4.0, 1.5])


def _probe_batchnorm_eval(F: Any, x: Any) -> Any:
    """BatchNorm1d in eval mode with fixed running statistics; PyTorch: ``batch_norm(training=False)``."""
    if F.name == "torch":
        return F.functional.batch_norm(x, F.tensor(BN_PROBE_MEAN), F.tensor(BN_PROBE_VAR), training=False)
    layer = BatchNorm1d(3)
    assert layer.running_mean is not None and layer.running_var is not None
    with no_grad():
        layer.running_mean.copy_(BN_PROBE_MEAN)
        layer.running_var.copy_(BN_PROBE_VAR)
    layer.eval()
    return layer(x)


def _batchnorm_eval_differs_from_torch() -> str:
    """torch.nn.BatchNorm1d and minigrad's, trained on the same batches, then in eval: outputs and input grads."""
    torch = _torch()
    mine = BatchNorm1d(3)
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    with no_grad(), torch.no_grad():
        for seed in range(5):
            batch = _bn_batch(200 + seed)
            mine(Tensor(batch))
            theirs(torch.from_numpy(batch))
    mine.eval()
    theirs.eval()
    problems = []
    for label, batch in (("one example", _bn_batch(210, n=1)), ("a batch shifted by +3", _bn_batch(211, shift=3.0))):
        upstream = normal(212, *batch.shape)
        x = leaf(batch)
        y = mine(x)
        (y * upstream).sum().backward()
        tx = torch.tensor(batch, requires_grad=True)
        ty = theirs(tx)
        ty.backward(torch.from_numpy(upstream))
        ref = ty.detach().numpy()
        if _differs(y.data, ref) or _differs(x.grad, tx.grad.numpy()):
            problems.append(f"{label} (max |y - y_torch| = {_worst(y.data, ref):.3g})")
    if not problems:
        return ""
    return "eval output differs from torch.nn.BatchNorm1d in eval mode on " + " and on ".join(problems)


BATCHNORM_EVAL_USES_BATCH_STATS = BreakCode(
    "batchnorm-eval-uses-batch-stats",
    cases=(
        CaseCode("bn-train-mode", _bn_train_mode, SAME),
        CaseCode("bn-eval-one-example", _bn_eval_one_example, WRONG_VALUES),
        CaseCode("bn-eval-example-in-two-batches", _bn_eval_example_in_two_batches, WRONG_VALUES),
        CaseCode("bn-eval-shifted-batch", _bn_eval_shifted_batch, WRONG_VALUES),
    ),
    probe=Probe(_probe_batchnorm_eval, (1.0 + normal(601, 5, 3),)),
    checks={"torch-batchnorm-eval": _batchnorm_eval_differs_from_torch},
)


# --------------------------------------------------------------------------- dropout-no-rescale


def _dropout_eval() -> Observation:
    x = Tensor(np.random.default_rng(2).standard_normal((4, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 5))  # a random upstream gradient
    layer = Dropout(0.5, generator=np.random.default_rng(1))
    layer.eval()
    y = layer(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad}


def _dropout_p_zero() -> Observation:
    x = Tensor(np.random.default_rng(2).standard_normal((4, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 5))  # a random upstream gradient
    layer = Dropout(0.0, generator=np.random.default_rng(1))
    layer.train()  # training mode (the default)
    y = layer(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad}


def _dropout_one_mask() -> Observation:
    x = Tensor(np.random.default_rng(2).standard_normal((4, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 5))  # a random upstream gradient
    layer = Dropout(0.5, generator=np.random.default_rng(1))
    layer.train()  # training mode (the default)
    y = layer(x)  # one random mask
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad}


def _dropout_expectation() -> Observation:
    x = np.random.default_rng(4).standard_normal(5)
    layer = Dropout(0.5, generator=np.random.default_rng(5))
    layer.eval()
    eval_output = layer(Tensor(x)).data
    layer.train()
    train_mean = layer(Tensor(np.tile(x, (10_000, 1)))).data.mean(axis=0)  # 10,000 masks of the same 5 inputs
    return {
        "mean train output over 10,000 masks": train_mean,
        "eval output": eval_output,
        "ratio train mean / eval": train_mean / eval_output,
    }


DROPOUT_P = 0.5
DROPOUT_SEED = 11


def _probe_dropout(F: Any, x: Any, w: Any) -> Any:
    """Dropout in training mode; PyTorch side: inverted dropout with the same mask (torch draws its own masks)."""
    if F.name == "torch":
        keep = rng(DROPOUT_SEED).random(tuple(x.shape)) >= DROPOUT_P  # the draw Dropout's docstring documents
        return x * F.tensor(keep / (1 - DROPOUT_P)) * w
    return Dropout(DROPOUT_P, generator=rng(DROPOUT_SEED))(x) * w


def _dropout_mean_differs_from_torch() -> str:
    """Mean of Dropout(0.5) over 20,000 ones, in minigrad and in torch.nn.functional.dropout (both ~1)."""
    torch = _torch()
    mine = float(Dropout(0.5, generator=rng(12))(Tensor(np.ones((100, 200)))).data.mean())
    with torch.random.fork_rng(devices=[]):  # leave the caller's torch random state alone
        torch.manual_seed(12)
        ones = torch.ones(100, 200, dtype=torch.float64)
        theirs = float(torch.nn.functional.dropout(ones, DROPOUT_P, training=True).mean())
    if abs(mine - theirs) <= 0.05:  # both means have a standard deviation of 1 / sqrt(20,000) ~ 0.007
        return ""
    return (
        f"Dropout(p=0.5) in training mode averages {mine:.3f} over 20,000 ones; torch.nn.Dropout averages "
        f"{theirs:.3f} (inverted dropout keeps E[output] = input)"
    )


DROPOUT_NO_RESCALE = BreakCode(
    "dropout-no-rescale",
    cases=(
        CaseCode("dropout-eval", _dropout_eval, SAME),
        CaseCode("dropout-p-zero", _dropout_p_zero, SAME),
        CaseCode("dropout-one-mask", _dropout_one_mask, WRONG_VALUES, expect=Expect("y", factor=0.5)),
        CaseCode("dropout-expectation", _dropout_expectation, WRONG_VALUES),
    ),
    probe=Probe(_probe_dropout, (normal(611, 4, 5), normal(612, 4, 5))),
    checks={"torch-dropout-expectation": _dropout_mean_differs_from_torch},
)


# --------------------------------------------------------------------------- optimizers: a small least-squares problem

LSQ_A = normal(501, 6, 3)
LSQ_B = normal(502, 6)
LSQ_START = normal(503, 3)


def _least_squares(p: Tensor) -> Tensor:
    """``0.5 * |A p - b|**2``: convex, one minimum at the least-squares solution."""
    r = const(LSQ_A) @ p - const(LSQ_B)
    return (r * r).sum() * 0.5


def _fit(make: Callable[[list[Tensor]], Optimizer], steps: int) -> tuple[Tensor, list[float]]:
    """The training loop the optimizer procedures print, for any optimizer: the parameter and the losses."""
    p = leaf(LSQ_START)
    optimizer = make([p])
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = _least_squares(p)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return p, losses


def _probe_least_squares(F: Any, p: Any, a: Any, b: Any) -> Any:
    r = a @ p - b
    return r * r


OPTIMIZER_PROBE = Probe(_probe_least_squares, (LSQ_START, LSQ_A, LSQ_B))


def _trajectory_differs(
    make_mine: Callable[[list[Tensor]], Optimizer],
    make_theirs: Callable[[Any, list[Any]], Any],
    name: str,
    steps: int = 5,
) -> str:
    """Run minigrad's and torch's optimizer on the least-squares problem in float64; '' if they agree at 1e-10."""
    torch = _torch()
    p = leaf(LSQ_START)
    mine = make_mine([p])
    tp = torch.tensor(LSQ_START, requires_grad=True)
    theirs = make_theirs(torch, [tp])
    a, b = torch.from_numpy(LSQ_A), torch.from_numpy(LSQ_B)
    for step in range(1, steps + 1):
        mine.zero_grad()
        _least_squares(p).backward()
        mine.step()
        theirs.zero_grad()
        r = a @ tp - b
        ((r * r).sum() * 0.5).backward()
        theirs.step()
        ref = tp.detach().numpy()
        if _differs(p.data, ref, tol=1e-10):
            return f"after step {step} the parameters differ from {name} by up to {_worst(p.data, ref):.3g}"
    return ""


# --------------------------------------------------------------------------- adam-no-bias-correction


def _adam_without_moving_averages() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = Adam([p], lr=0.05, betas=(0.0, 0.0))
    for _ in range(10):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"p": p.data, "loss at steps 1-10": np.array(losses)}


def _adam_first_step() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    start = np.random.default_rng(503).standard_normal(3)
    p = Tensor(start, requires_grad=True)
    optimizer = Adam([p], lr=0.01)
    optimizer.zero_grad()
    r = Tensor(A) @ p - Tensor(b)
    ((r * r).sum() * 0.5).backward()
    optimizer.step()
    return {"first step / lr": (p.data - start) / 0.01}


def _adam_first_steps() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = Adam([p], lr=0.01)
    for _ in range(20):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"loss at steps 1, 5, 10, 20": np.array(losses)[[0, 4, 9, 19]]}


def _adam_converged() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = Adam([p], lr=0.01)
    for _ in range(3000):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"p after 3000 steps": p.data, "final loss": losses[-1]}


def _adam_differs_from_torch() -> str:
    return _trajectory_differs(
        lambda ps: Adam(ps, lr=0.05), lambda torch, ps: torch.optim.Adam(ps, lr=0.05), "torch.optim.Adam"
    )


ADAM_NO_BIAS_CORRECTION = BreakCode(
    "adam-no-bias-correction",
    cases=(
        CaseCode("adam-without-moving-averages", _adam_without_moving_averages, SAME),
        CaseCode(
            "adam-first-step", _adam_first_step, WRONG_VALUES, expect=Expect("first step / lr", factor=0.1 / 0.001**0.5)
        ),
        CaseCode("adam-first-steps", _adam_first_steps, WRONG_VALUES),
        CaseCode("adam-converged", _adam_converged, SAME),
    ),
    probe=OPTIMIZER_PROBE,
    checks={"torch-adam-trajectory": _adam_differs_from_torch},
)


# --------------------------------------------------------------------------- l2-as-adamw


def _adamw_no_decay() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = AdamW([p], lr=0.05, weight_decay=0.0)
    for _ in range(10):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"p": p.data, "loss at steps 1-10": np.array(losses)}


def _adam_with_l2() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = Adam([p], lr=0.05, weight_decay=0.1)
    for _ in range(10):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"p": p.data, "loss at steps 1-10": np.array(losses)}


def _adamw_with_decay() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = AdamW([p], lr=0.05, weight_decay=0.1)
    for _ in range(10):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"p": p.data, "loss at steps 1-10": np.array(losses)}


def _adamw_weights_without_gradient() -> Observation:
    w = Tensor(np.array([0.8, -0.5, 0.8, -0.5]), requires_grad=True)
    x = Tensor(np.array([1.0, -2.0, 0.0, 0.0]))  # the last two inputs are always 0: w[2:] get a zero gradient
    optimizer = AdamW([w], lr=0.01, weight_decay=0.01)
    for _ in range(10):
        optimizer.zero_grad()
        ((x * w).sum() - 1.0).pow(2).backward()
        optimizer.step()
    return {"w after 10 steps": w.data}


def _adamw_differs_from_torch() -> str:
    found = _trajectory_differs(
        lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
        lambda torch, ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1),
        "torch.optim.AdamW",
    )
    if found and not _trajectory_differs(
        lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
        lambda torch, ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1),
        "torch.optim.Adam",
    ):
        found += ", and match torch.optim.Adam(weight_decay=0.1): an L2 penalty, not decoupled decay"
    return found


L2_AS_ADAMW = BreakCode(
    "l2-as-adamw",
    cases=(
        CaseCode("adamw-no-decay", _adamw_no_decay, SAME),
        CaseCode("adam-with-l2", _adam_with_l2, SAME),
        CaseCode("adamw-with-decay", _adamw_with_decay, WRONG_VALUES),
        CaseCode("adamw-weights-without-gradient", _adamw_weights_without_gradient, WRONG_VALUES),
    ),
    probe=OPTIMIZER_PROBE,
    checks={"torch-adamw-trajectory": _adamw_differs_from_torch},
)


# --------------------------------------------------------------------------- rmsnorm-eps-outside-sqrt

RMS_WEIGHT = np.array([0.5, 1.5, -1.0, 2.0])


def _rmsnorm_default_eps() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(9).standard_normal((3, 4))  # a random upstream gradient
    layer = RMSNorm(4)  # eps=None: float64's machine epsilon, 2.2e-16
    layer.weight = Parameter(np.array([0.5, 1.5, -1.0, 2.0]))
    y = layer(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad, "weight.grad": layer.weight.grad}


def _rmsnorm_eps_1e5() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(9).standard_normal((3, 4))  # a random upstream gradient
    layer = RMSNorm(4, eps=1e-5)
    layer.weight = Parameter(np.array([0.5, 1.5, -1.0, 2.0]))
    y = layer(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad, "weight.grad": layer.weight.grad}


def _rmsnorm_zero_row() -> Observation:
    x_data = np.random.default_rng(1).standard_normal((3, 4))
    x_data[1] = 0.0  # e.g. a padding position
    x = Tensor(x_data, requires_grad=True)
    v = np.random.default_rng(9).standard_normal((3, 4))  # a random upstream gradient
    layer = RMSNorm(4)  # eps=None: float64's machine epsilon, 2.2e-16
    layer.weight = Parameter(np.array([0.5, 1.5, -1.0, 2.0]))
    y = layer(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad, "weight.grad": layer.weight.grad}


def _rmsnorm_tiny_inputs() -> Observation:
    x = Tensor(1e-9 * np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(9).standard_normal((3, 4))  # a random upstream gradient
    layer = RMSNorm(4)  # eps=None: float64's machine epsilon, 2.2e-16
    layer.weight = Parameter(np.array([0.5, 1.5, -1.0, 2.0]))
    y = layer(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad, "weight.grad": layer.weight.grad}


RMS_PROBE_EPS = 1e-3
RMS_PROBE_INPUT = normal(621, 3, 4)
RMS_PROBE_INPUT[1] = 0.0


def _probe_rmsnorm(F: Any, x: Any) -> Any:
    """RMSNorm over the last axis; PyTorch: ``rms_norm``.  Row 1 of the input is all zeros."""
    if F.name == "torch":
        return F.functional.rms_norm(x, (4,), eps=RMS_PROBE_EPS)
    return RMSNorm(4, eps=RMS_PROBE_EPS)(x)


def _rmsnorm_differs_from_torch() -> str:
    """torch.nn.RMSNorm(eps=1e-6) and minigrad's with the same weight, on a batch with an all-zero row."""
    torch = _torch()
    x_data = normal(631, 3, 4)
    x_data[2] = 0.0
    upstream = normal(632, 3, 4)
    mine = RMSNorm(4, eps=1e-6)
    assert mine.weight is not None
    with no_grad():
        mine.weight.copy_(RMS_WEIGHT)
    x = leaf(x_data)
    y = mine(x)
    (y * upstream).sum().backward()
    theirs = torch.nn.RMSNorm(4, eps=1e-6, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(RMS_WEIGHT))
    tx = torch.tensor(x_data, requires_grad=True)
    theirs(tx).backward(torch.from_numpy(upstream))
    ty = theirs(tx).detach().numpy()
    assert mine.weight.grad is not None
    compared = {
        "output": (y.data, ty),
        "input grad": (x.grad, tx.grad.numpy()),
        "weight grad": (mine.weight.grad, theirs.weight.grad.numpy()),
    }
    problems = [f"{name} (max diff {_worst(a, b):.3g})" for name, (a, b) in compared.items() if _differs(a, b)]
    return "differs from torch.nn.RMSNorm(eps=1e-6): " + ", ".join(problems) if problems else ""


RMSNORM_EPS_OUTSIDE_SQRT = BreakCode(
    "rmsnorm-eps-outside-sqrt",
    cases=(
        CaseCode("rmsnorm-default-eps", _rmsnorm_default_eps, WRONG_VALUES),
        CaseCode("rmsnorm-eps-1e5", _rmsnorm_eps_1e5, WRONG_VALUES),
        CaseCode("rmsnorm-zero-row", _rmsnorm_zero_row, WRONG_VALUES),
        CaseCode("rmsnorm-tiny-inputs", _rmsnorm_tiny_inputs, WRONG_VALUES),
    ),
    probe=Probe(_probe_rmsnorm, (RMS_PROBE_INPUT,)),
    checks={"torch-rmsnorm": _rmsnorm_differs_from_torch},
)


# --------------------------------------------------------------------------- residual-removed

WIDTH = 16


def _residual_stack(depth: int) -> Sequential:
    """``depth`` blocks ``Residual(Sequential(Linear(16, 16), Tanh()))`` with PyTorch's default init, seeded."""
    generator = rng(0)
    return Sequential(*[Residual(Sequential(Linear(WIDTH, WIDTH, generator=generator), Tanh())) for _ in range(depth)])


def _block_weights(model: Sequential) -> list[Tensor]:
    return [block.fn[0].weight for block in model]


def _grad_norms(tensors: list[Tensor]) -> Array:
    norms = []
    for t in tensors:
        assert t.grad is not None
        norms.append(np.linalg.norm(t.grad))
    return np.array(norms)


def _block_grad_norms(depth: int) -> Array:
    """Each block's weight-gradient norm, input side first, as the procedures below compute it (for the tests)."""
    model = _residual_stack(depth)
    y = model(normal(1, 8, WIDTH))
    (y * normal(2, 8, WIDTH)).sum().backward()
    return _grad_norms(_block_weights(model))


def _residual_one_block() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((8, 16)), requires_grad=True)
    v = np.random.default_rng(2).standard_normal((8, 16))  # a random upstream gradient
    generator = np.random.default_rng(0)  # PyTorch's default init for Linear, seeded
    model = Sequential()
    model.append(Residual(Sequential(Linear(16, 16, generator=generator), Tanh())))  # x + tanh(x W^T + b)
    y = model(x)
    (y * v).sum().backward()
    return {"y": y.data, "x.grad": x.grad}


def _residual_two_blocks() -> Observation:
    x = np.random.default_rng(1).standard_normal((8, 16))
    v = np.random.default_rng(2).standard_normal((8, 16))  # a random upstream gradient
    generator = np.random.default_rng(0)  # PyTorch's default init for Linear, seeded
    model = Sequential()
    for _ in range(2):
        model.append(Residual(Sequential(Linear(16, 16, generator=generator), Tanh())))  # x + tanh(x W^T + b)
    (model(x) * v).sum().backward()
    norms = np.array([np.linalg.norm(block.fn[0].weight.grad) for block in model])  # each block's weight gradient
    ratio = norms[0] / norms[-1]
    return {
        "decades from the last block's gradient norm to the first's": round(float(np.log10(ratio))),
        "vanished (first < last / 1000)": bool(ratio < 1e-3),
    }


def _residual_fifty_blocks() -> Observation:
    x = np.random.default_rng(1).standard_normal((8, 16))
    v = np.random.default_rng(2).standard_normal((8, 16))  # a random upstream gradient
    generator = np.random.default_rng(0)  # PyTorch's default init for Linear, seeded
    model = Sequential()
    for _ in range(50):
        model.append(Residual(Sequential(Linear(16, 16, generator=generator), Tanh())))  # x + tanh(x W^T + b)
    (model(x) * v).sum().backward()
    norms = np.array([np.linalg.norm(block.fn[0].weight.grad) for block in model])  # each block's weight gradient
    ratio = norms[0] / norms[-1]
    return {
        "gradient norm of blocks 1, 10, 20, 30, 40, 50": norms[[0, 9, 19, 29, 39, 49]],
        "decades from the last block's gradient norm to the first's": round(float(np.log10(ratio))),
        "vanished (first < last / 1000)": bool(ratio < 1e-3),
    }


class _Function(Module):
    """A module around a plain function: lets a probe route its input tensors through ``Residual``."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)


def _probe_residual(F: Any, x: Any, w: Any) -> Any:
    """``Residual(tanh(x @ w))``; PyTorch: ``x + tanh(x @ w)`` written out."""
    if F.name == "torch":
        return x + F.tanh(x @ w)
    return Residual(_Function(lambda h: F.tanh(h @ w)))(x)


RESIDUAL_CHECK_DEPTH = 30


def _residual_stack_differs_from_torch() -> str:
    """30 residual blocks in minigrad and ``h = h + tanh(h @ W.T + b)`` in torch, same weights: block grad norms."""
    torch = _torch()
    model = _residual_stack(RESIDUAL_CHECK_DEPTH)
    x_data, upstream = normal(641, 8, WIDTH), normal(642, 8, WIDTH)
    (model(x_data) * upstream).sum().backward()
    mine = _grad_norms(_block_weights(model))

    def torch_norms(skip: bool) -> Array:
        layers = [block.fn[0] for block in model]
        weights = [torch.tensor(layer.weight.data, requires_grad=True) for layer in layers]
        biases = [torch.from_numpy(layer.bias.data) for layer in layers]
        h = torch.from_numpy(x_data)
        for w, b in zip(weights, biases):
            f = torch.tanh(h @ w.T + b)
            h = h + f if skip else f
        h.backward(torch.from_numpy(upstream))
        return np.array([float(w.grad.norm()) for w in weights])

    theirs = torch_norms(skip=True)
    if not _differs(mine, theirs):
        return ""
    plain = torch_norms(skip=False)
    return (
        f"block 1's weight-gradient norm is {mine[0]:.3g} (block {RESIDUAL_CHECK_DEPTH}: {mine[-1]:.3g}); torch with "
        f"x + f(x) gives {theirs[0]:.3g} ({theirs[-1]:.3g}), torch with f(x) alone {plain[0]:.3g} ({plain[-1]:.3g})"
    )


RESIDUAL_REMOVED = BreakCode(
    "residual-removed",
    cases=(
        CaseCode("residual-one-block", _residual_one_block, WRONG_VALUES),
        CaseCode("residual-two-blocks", _residual_two_blocks, SAME),
        CaseCode("residual-fifty-blocks", _residual_fifty_blocks, WRONG_VALUES),
    ),
    probe=Probe(_probe_residual, (normal(651, 4, 3), 0.5 * normal(652, 3, 3))),
    checks={"torch-residual-stack": _residual_stack_differs_from_torch},
)


# --------------------------------------------------------------------------- forgot-zero-grad


def _sgd(lr: float) -> Callable[[list[Tensor]], Optimizer]:
    return lambda ps: SGD(ps, lr=lr)


def _one_step() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = SGD([p], lr=0.05)
    for _ in range(1):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"p": p.data, "p.grad": p.grad}


def _two_steps() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = SGD([p], lr=0.05)
    for _ in range(2):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"p": p.data, "p.grad": p.grad, "loss at steps 1, 2": np.array(losses)}


def _thirty_steps() -> Observation:
    A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
    b = np.random.default_rng(502).standard_normal(6)
    p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
    losses: list[float] = []
    optimizer = SGD([p], lr=0.05)
    for _ in range(30):  # the PyTorch training loop
        optimizer.zero_grad()
        r = Tensor(A) @ p - Tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"loss at steps 1, 5, 10, 20, 30": np.array(losses)[[0, 4, 9, 19, 29]]}


def _module_zero_grad_loop() -> Observation:
    x = Tensor(np.random.default_rng(501).standard_normal((6, 3)))
    target = Tensor(np.random.default_rng(502).standard_normal((6, 1)))
    model = Linear(3, 1, generator=np.random.default_rng(7))
    optimizer = SGD(model.parameters(), lr=0.05)
    for _ in range(5):
        model.zero_grad()  # the module's method, not the optimizer's
        r = model(x) - target
        (r * r).mean().backward()
        optimizer.step()
    return {"weight": model.weight.data, "weight.grad": model.weight.grad}


def _zero_grad_differs_from_torch() -> str:
    return _trajectory_differs(
        _sgd(0.05), lambda torch, ps: torch.optim.SGD(ps, lr=0.05), "torch.optim.SGD with zero_grad()", steps=3
    )


FORGOT_ZERO_GRAD = BreakCode(
    "forgot-zero-grad",
    cases=(
        CaseCode("one-step", _one_step, SAME),
        CaseCode("two-steps", _two_steps, WRONG_VALUES),
        CaseCode("thirty-steps", _thirty_steps, WRONG_VALUES),
        CaseCode("module-zero-grad-loop", _module_zero_grad_loop, SAME),
    ),
    probe=OPTIMIZER_PROBE,
    checks={"torch-zero-grad": _zero_grad_differs_from_torch},
)


BREAKS = [
    BATCHNORM_EVAL_USES_BATCH_STATS,
    DROPOUT_NO_RESCALE,
    ADAM_NO_BIAS_CORRECTION,
    L2_AS_ADAMW,
    RMSNORM_EPS_OUTSIDE_SQRT,
    RESIDUAL_REMOVED,
    FORGOT_ZERO_GRAD,
]
