"""PNG plots for training runs and the phase 10 experiments (matplotlib, Agg backend, imported lazily)."""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

MISSING_MATPLOTLIB = (
    "plots need the 'matplotlib' package: install the train extra with "
    "`uv sync --extra train` (or `pip install 'minigrad[train]'`)"
)

PathLike = str | os.PathLike[str]


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (works without a display)."""
    try:
        matplotlib = importlib.import_module("matplotlib")  # optional: imported by name, only when plotting
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(MISSING_MATPLOTLIB) from error
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def moving_average(values: Sequence[float | None], window: int = 10) -> list[float]:
    """The mean of each value and the ``window - 1`` before it (fewer at the start); None counts as NaN."""
    clean = [math.nan if v is None else v for v in values]
    return [sum(clean[max(0, i - window + 1) : i + 1]) / (i + 1 - max(0, i - window + 1)) for i in range(len(clean))]


def _plot_losses(ax: Any, name: str, losses: Sequence[float | None]) -> None:
    """Every step's mini-batch loss, faint, and its 10-step moving average over it."""
    steps = range(1, len(losses) + 1)
    (line,) = ax.plot(steps, moving_average(losses), label=name)
    ax.plot(steps, [math.nan if v is None else v for v in losses], color=line.get_color(), alpha=0.25, linewidth=0.8)


def _save(fig: Any, path: PathLike) -> None:
    fig.tight_layout()
    fig.savefig(os.fspath(path), dpi=110)
    pyplot().close(fig)


def plot_training(history: Mapping[str, Sequence[float]], path: PathLike, title: str = "") -> None:
    """Train and validation loss per epoch (left) and accuracy (right)."""
    plt = pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = history["epoch"]
    ax_loss.plot(epochs, history["train_loss"], label="train")
    ax_loss.plot(epochs, history["val_loss"], label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log", title="loss")
    ax_loss.legend()
    ax_acc.plot(epochs, history["train_accuracy"], label="train")
    ax_acc.plot(epochs, history["val_accuracy"], label="validation")
    ax_acc.axhline(0.2, color="gray", linestyle=":", label="chance (5 tenses)")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title="accuracy")
    ax_acc.legend(loc="lower right")
    if title:
        fig.suptitle(title)
    _save(fig, path)


def plot_init(results: Mapping[str, Any], path: PathLike) -> None:
    """The init ablation: activation std and gradient norm per layer, and the training loss, per scheme."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for name, r in results["schemes"].items():
        layers = range(1, len(r["activation_std"]) + 1)
        axes[0].plot(layers, r["activation_std"], marker="o", label=name)
        axes[1].plot(layers, r["weight_grad_norm"], marker="o", label=name)
        _plot_losses(axes[2], name, r["loss"])
    axes[0].set(xlabel="layer", ylabel="std of the ReLU output", yscale="log", title="activations (forward)")
    axes[1].set(xlabel="layer", ylabel="||dL/dW||", yscale="log", title="weight gradients (backward)")
    axes[2].set(xlabel="SGD step", ylabel="training loss (10-step average)", title="training")
    for ax in axes:
        ax.legend()
    fig.suptitle(f"init ablation: {results['depth']}-layer ReLU MLP, width {results['width']}")
    _save(fig, path)


def plot_norm(results: Mapping[str, Any], path: PathLike) -> None:
    """The norm ablation: training loss per step for each normalization."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, r in results["variants"].items():
        _plot_losses(ax, name, r["loss"])
    ax.set(xlabel="SGD step", ylabel="training loss (10-step average)")
    ax.set_title(f"norm ablation: {results['depth']}-layer ReLU MLP, width {results['width']}")
    ax.legend()
    _save(fig, path)


def plot_residual(results: Mapping[str, Any], path: PathLike) -> None:
    """Residual depth: gradient norm of each block's first weight, with and without the skip connection."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, r in results["variants"].items():
        ax.plot(range(1, len(r["weight_grad_norm"]) + 1), r["weight_grad_norm"], marker=".", label=name)
    ax.set(xlabel="block (1 = nearest the input)", ylabel="||dL/dW|| of the block's first Linear", yscale="log")
    ax.set_title(f"residual depth: {results['blocks']} blocks, width {results['width']}")
    ax.legend()
    _save(fig, path)
