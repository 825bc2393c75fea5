"""Phase 10 experiments: why initialization, normalization and residual connections matter in deep nets.

Each experiment builds deep ReLU MLPs with :mod:`minigrad.nn`, measures what
the course talks about, returns the numbers as a JSON-ready dict, and
:func:`run_experiment` writes them with a PNG.

* ``init``: a 12-layer ReLU MLP whose weights are drawn from a small uniform
  ``U(-0.05, 0.05)``, Xavier (Glorot) or Kaiming (He).  A ReLU layer with
  weights of variance ``s²`` multiplies the second moment of its input by
  ``fan_in * s² / 2``: Kaiming's ``s² = 2 / fan_in`` keeps it at 1, Xavier's
  ``2 / (fan_in + fan_out)`` halves it at every layer (``1/sqrt(2)`` per layer
  in std), and the small uniform shrinks it by ``fan_in * 0.05² / 6`` (0.05 at
  width 128), so the signal dies out with depth.  Xavier was derived for
  activations symmetric around 0; it does not keep the variance of a ReLU
  network (std x2^-5.5 over 12 layers).  The backward signal shrinks
  the same way towards the input, so every layer's weight gradient (forward
  activation times backward signal) is tiny, and SGD barely moves.
* ``norm``: the same kind of network with PyTorch's default ``Linear`` weights
  ``U(±1/√fan_in)`` (variance ``1/(3·fan_in)``, so ``√(1/6) = 0.41`` per ReLU
  layer in std), biases 0, and nothing, LayerNorm or RMSNorm after every
  ``Linear``: normalization restores a unit scale at every layer, so plain SGD
  trains at once.
* ``residual``: 50 blocks ``Linear -> ReLU -> Linear`` stacked plainly or as
  ``x + f(x)``.  Without the skip, the gradient reaching block 1 is a product
  of 100 Jacobians and vanishes; with it, the identity path carries the
  gradient back unchanged (``dL/dx = g + J_f^T g``).

All data is synthetic: Gaussian inputs labelled by a random linear "teacher"
(``y = argmax(x @ W)``), a task a good network learns quickly, so slow
learning comes from the architecture.  Everything is seeded.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..optim import SGD
from ..tensor import Array, Tensor
from .blas import single_blas_thread
from .texts import text
from .train import prepare_out_dir

UNIFORM_BOUND = 0.05


def teacher_data(n: int, dim: int, classes: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """Gaussian inputs ``(n, dim)`` and labels ``argmax(x @ W)`` of a random linear teacher."""
    X = rng.normal(size=(n, dim))
    teacher = rng.normal(size=(dim, classes))
    return X, np.argmax(X @ teacher, axis=1).astype(np.int64)


def linears(model: nn.Module) -> list[nn.Linear]:
    """The model's Linear layers in forward order."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def sgd_losses(model: nn.Module, X: Array, y: Array, steps: int, lr: float, batch: int, seed: int) -> list[float]:
    """Train ``model`` with plain SGD on random mini-batches; the loss of every step."""
    rng = np.random.default_rng(seed)
    optimizer = SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        idx = rng.choice(len(y), size=batch, replace=False)
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(X[idx])), y[idx])
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses


def _grad_norm(layer: nn.Module) -> float:
    """``||dL/dW||`` of a Linear layer after a backward pass."""
    assert isinstance(layer, nn.Linear) and layer.weight.grad is not None
    return float(np.linalg.norm(layer.weight.grad))


def _finite(values: list[float]) -> list[float | None]:
    """JSON has no NaN or Inf: write them as null."""
    return [v if math.isfinite(v) else None for v in values]


def layer_statistics(model: nn.Module, X: Array, y: Array, depth: int) -> tuple[list[float], list[float]]:
    """One forward and backward pass on ``(X, y)``: the std of every ReLU's output (forward order) and
    ``||dL/dW||`` of the first ``depth`` Linear layers; the gradients are zeroed again afterwards."""
    stds: list[float] = []

    def record_std(_module: nn.Module, _inputs: Any, output: Tensor) -> None:
        stds.append(float(np.std(output.data)))

    handles = [m.register_forward_hook(record_std) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        nn.CrossEntropyLoss()(model(Tensor(X)), y).backward()
    finally:
        for handle in handles:
            handle.remove()
    grad_norms = [_grad_norm(layer) for layer in linears(model)[:depth]]
    model.zero_grad()
    return stds, grad_norms


def _sig(values: list[float]) -> str:
    return " ".join(f"{v:.2g}" for v in values)


# --------------------------------------------------------------------------- init


INIT_SCHEMES: dict[str, Callable[[Tensor, np.random.Generator], Any]] = {
    "uniform": lambda w, g: nn.init.uniform_(w, -UNIFORM_BOUND, UNIFORM_BOUND, generator=g),
    "xavier": lambda w, g: nn.init.xavier_uniform_(w, generator=g),
    "kaiming": lambda w, g: nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=g),
}


def weight_variance(scheme: str, fan_in: int, fan_out: int) -> float:
    """Var(w) of each scheme, by hand: U(-a, a) has variance a²/3."""
    if scheme == "uniform":
        return UNIFORM_BOUND**2 / 3
    if scheme == "xavier":
        return 2 / (fan_in + fan_out)  # a = sqrt(6 / (fan_in + fan_out))
    return 2 / fan_in  # kaiming, ReLU gain sqrt(2): a = sqrt(6 / fan_in)


def init_display_name(scheme: str) -> str:
    return text(f"init.scheme.{scheme}", bound=UNIFORM_BOUND)


def relu_mlp(dim: int, width: int, depth: int, classes: int, rng: np.random.Generator) -> nn.Sequential:
    """``depth`` blocks ``Linear -> ReLU`` (the first from ``dim``), then a ``Linear`` head to ``classes``."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(dim if i == 0 else width, width, generator=rng), nn.ReLU()]
    layers.append(nn.Linear(width, classes, generator=rng))
    return nn.Sequential(*layers)


def init_experiment(
    depth: int = 12,
    width: int = 128,
    batch: int = 256,
    steps: int = 300,
    lr: float = 0.05,
    seed: int = 0,
) -> dict[str, Any]:
    """Per-layer activation std and weight-gradient norm at init, and an SGD loss curve, for each init scheme."""
    classes = 10
    X, y = teacher_data(2048, width, classes, np.random.default_rng(seed))
    results: dict[str, Any] = {
        "depth": depth,
        "width": width,
        "batch": batch,
        "steps": steps,
        "lr": lr,
        "seed": seed,
        "uniform_bound": UNIFORM_BOUND,
        "biases": 0.0,
    }
    schemes: dict[str, Any] = {}
    for name, fill in INIT_SCHEMES.items():
        rng = np.random.default_rng(seed + 1)  # the same draws for every scheme, rescaled by it
        model = relu_mlp(width, width, depth, classes, rng)
        for layer in linears(model):
            fill(layer.weight, rng)
            assert layer.bias is not None
            nn.init.zeros_(layer.bias)
        stds, grad_norms = layer_statistics(model, X[:batch], y[:batch], depth)
        schemes[name] = {
            "activation_std": stds,
            "weight_grad_norm": grad_norms,
            "loss": _finite(sgd_losses(model, X, y, steps, lr, 64, seed)),
            # a square ReLU layer multiplies the std by sqrt(fan_in * Var(w) / 2)
            "predicted_factor_per_layer": math.sqrt(width * weight_variance(name, width, width) / 2),
            "measured_factor": stds[-1] / stds[0],
        }
    results["schemes"] = schemes
    return results


def summarize_init(results: dict[str, Any]) -> str:
    depth = results["depth"]
    lines = [text("init.header", depth=depth, width=results["width"])]
    for name, r in results["schemes"].items():
        std, loss, per_layer = r["activation_std"], r["loss"], r["predicted_factor_per_layer"]
        lines.append(
            text(
                "init.scheme_line",
                name=init_display_name(name),
                first=f"{std[0]:.3g}",
                depth=len(std),
                last=f"{std[-1]:.3g}",
                measured=f"{r['measured_factor']:.3g}",
                predicted=f"{per_layer ** (len(std) - 1):.3g}",
                per_layer=f"{per_layer:.3g}",
                grad=f"{r['weight_grad_norm'][0]:.3g}",
                loss_first=f"{loss[0]:.3f}",
                loss_last=_tail_mean(loss),
            )
        )
    lines.append(text("init.theory"))
    if "xavier" in results["schemes"]:
        xavier = results["schemes"]["xavier"]["activation_std"]
        lines.append(
            text(
                "init.xavier_verdict",
                first=f"{xavier[0]:.3g}",
                last=f"{xavier[-1]:.3g}",
                depth=len(xavier),
                halvings=f"{(len(xavier) - 1) / 2:g}",
            )
        )
    return "\n".join(lines)


def _tail_mean(losses: list[float | None], n: int = 10) -> str:
    """The mean of the last ``n`` mini-batch losses (one batch is noisy), as text."""
    tail = [v for v in losses[-n:] if v is not None]
    return text("exp.tail_mean", value=f"{np.mean(tail):.3f}", n=n) if len(tail) == len(losses[-n:]) else "nan"


# --------------------------------------------------------------------------- norm


def norm_mlp(width: int, depth: int, classes: int, norm: str, rng: np.random.Generator) -> nn.Sequential:
    """``depth`` blocks ``Linear -> [norm] -> ReLU`` with PyTorch's default weights, then a ``Linear`` head.

    The biases are zeroed (as in :func:`init_experiment`): PyTorch's default biases, U(±1/√fan_in),
    add a floor of about 0.04 to every layer's std at width 64, which hides the decay this
    experiment is about.
    """
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers.append(nn.Linear(width, width, generator=rng))
        if norm == "layernorm":
            layers.append(nn.LayerNorm(width))
        elif norm == "rmsnorm":
            layers.append(nn.RMSNorm(width))
        layers.append(nn.ReLU())
    layers.append(nn.Linear(width, classes, generator=rng))
    model = nn.Sequential(*layers)
    for layer in linears(model):
        assert layer.bias is not None
        nn.init.zeros_(layer.bias)
    return model


def default_linear_variance(fan_in: int) -> float:
    """Var(w) of PyTorch's default ``Linear`` weights, U(±1/√fan_in): a²/3 = 1/(3·fan_in)."""
    return 1 / (3 * fan_in)


NORMS = ("none", "layernorm", "rmsnorm")


def norm_experiment(
    depth: int = 12, width: int = 64, steps: int = 300, lr: float = 0.1, batch: int = 128, seed: int = 0
) -> dict[str, Any]:
    """SGD training loss per step of a deep ReLU MLP without normalization, with LayerNorm, with RMSNorm."""
    classes = 10
    X, y = teacher_data(2048, width, classes, np.random.default_rng(seed))
    variants: dict[str, Any] = {}
    for norm in NORMS:
        model = norm_mlp(width, depth, classes, norm, np.random.default_rng(seed + 1))
        stds, grad_norms = layer_statistics(model, X[:batch], y[:batch], depth)
        losses = _finite(sgd_losses(model, X, y, steps, lr, batch, seed))
        variants[norm] = {"activation_std": stds, "weight_grad_norm": grad_norms, "loss": losses}
    stds = variants["none"]["activation_std"]
    return {
        "depth": depth,
        "width": width,
        "steps": steps,
        "lr": lr,
        "batch": batch,
        "seed": seed,
        "biases": 0.0,
        # without a norm a square ReLU layer multiplies the std by sqrt(fan_in * Var(w) / 2) = sqrt(1/6)
        "predicted_factor_per_layer": math.sqrt(width * default_linear_variance(width) / 2),
        "measured_factor_per_layer": (stds[-1] / stds[0]) ** (1 / (len(stds) - 1)) if len(stds) > 1 else math.nan,
        "variants": variants,
    }


def summarize_norm(results: dict[str, Any]) -> str:
    depth, variants = results["depth"], results["variants"]
    names = {name: text(f"norm.variant.{name}") for name in variants}
    pad = max(len(n) for n in names.values())
    lines = [
        text(
            "norm.header",
            depth=depth,
            width=results["width"],
            lr=results["lr"],
            batch=results["batch"],
            per_layer=f"{results['predicted_factor_per_layer']:.2f}",
            measured=f"{results['measured_factor_per_layer']:.2f}",
        )
    ]
    for key, statistic in (("norm.stds", "activation_std"), ("norm.grads", "weight_grad_norm")):
        lines.append(text(key, depth=depth))
        lines += [f"    {names[name]:<{pad}}  {_sig(r[statistic])}" for name, r in variants.items()]
    lines.append(text("norm.losses"))
    for name, r in variants.items():
        lines.append(f"    {names[name]:<{pad}}  {r['loss'][0]:.3f} -> {_tail_mean(r['loss'])}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- residual


def block(width: int, rng: np.random.Generator) -> nn.Sequential:
    return nn.Sequential(nn.Linear(width, width, generator=rng), nn.ReLU(), nn.Linear(width, width, generator=rng))


def residual_experiment(blocks: int = 50, width: int = 64, batch: int = 128, seed: int = 0) -> dict[str, Any]:
    """Per-block gradient norm (each block's first Linear weight) of a deep stack, plain and residual."""
    classes = 10
    X, y = teacher_data(batch, width, classes, np.random.default_rng(seed))
    variants: dict[str, Any] = {}
    for name, residual in (("plain", False), ("residual", True)):
        rng = np.random.default_rng(seed + 1)  # the same weights for both stacks
        stack = [block(width, rng) for _ in range(blocks)]
        body: list[nn.Module] = [nn.Residual(b) if residual else b for b in stack]
        model = nn.Sequential(*body, nn.Linear(width, classes, generator=rng))
        loss = nn.CrossEntropyLoss()(model(Tensor(X)), y)
        loss.backward()
        variants[name] = {
            "weight_grad_norm": [_grad_norm(b[0]) for b in stack],
            "loss": float(loss.item()),
        }
    plain, residual = (variants[name]["weight_grad_norm"] for name in ("plain", "residual"))
    return {
        "blocks": blocks,
        "width": width,
        "batch": batch,
        "seed": seed,
        "variants": variants,
        # orders of magnitude: how much more gradient block 1 gets with the skips, and how far below the last
        # block's it falls without them
        "decades_gained_at_block_1": math.log10(residual[0] / plain[0]) if plain[0] > 0 else math.inf,
        "decades_lost_without_skips": math.log10(plain[-1] / plain[0]) if plain[0] > 0 else math.inf,
    }


def summarize_residual(results: dict[str, Any]) -> str:
    blocks = results["blocks"]
    lines = [text("residual.header", blocks=blocks, width=results["width"], batch=results["batch"])]
    for name, r in results["variants"].items():
        g = r["weight_grad_norm"]
        middle = len(g) // 2
        lines.append(
            text(
                "residual.line",
                name=text(f"residual.variant.{name}"),
                first=f"{g[0]:.3g}",
                middle=middle,
                mid=f"{g[middle - 1]:.3g}",
                blocks=len(g),
                last=f"{g[-1]:.3g}",
            )
        )
    plain = results["variants"]["plain"]["weight_grad_norm"][0]
    res = results["variants"]["residual"]["weight_grad_norm"][0]
    if plain > 0:
        lines.append(
            text(
                "residual.ratio",
                ratio=f"{res / plain:.3g}",
                decades=f"{results['decades_gained_at_block_1']:.1f}",
                plain_decades=f"{results['decades_lost_without_skips']:.1f}",
                blocks=blocks,
            )
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- running and saving

EXPERIMENTS: dict[str, tuple[Callable[..., dict[str, Any]], Callable[[dict[str, Any]], str], str]] = {
    "init": (init_experiment, summarize_init, "plot_init"),
    "norm": (norm_experiment, summarize_norm, "plot_norm"),
    "residual": (residual_experiment, summarize_residual, "plot_residual"),
}


def run_experiment(name: str, out_dir: str | os.PathLike[str], plot: bool = True, **kwargs: Any) -> dict[str, Any]:
    """Run one experiment, write ``<name>.json`` (and ``<name>.png``) into ``out_dir``; texts in the current
    language."""
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment: unknown experiment {name!r}; choose from {', '.join(EXPERIMENTS)}")
    run, summarize, plotter = EXPERIMENTS[name]
    out = prepare_out_dir(out_dir)  # before the run: a bad --out must not cost the results
    start = time.perf_counter()
    with single_blas_thread():
        results = run(**kwargs)
    results["elapsed_seconds"] = time.perf_counter() - start
    results["summary"] = summarize(results)
    files = {"json": str(out / f"{name}.json")}
    if plot:
        from . import plots

        files["plot"] = str(out / f"{name}.png")
        getattr(plots, plotter)(results, files["plot"])
    results["files"] = files
    Path(files["json"]).write_text(json.dumps(results, indent=2) + "\n")
    return results
