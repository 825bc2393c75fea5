"""PNG plots for training runs and the phase 10 experiments (matplotlib, Agg backend, imported lazily).

Every text on a figure comes from the message catalog (``messages/training.toml``), in the
current language (:func:`minigrad.messages.current_lang`), which the command chose.
Each figure has one legend, below its panels, so that it never hides a curve
or the chance line.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..commandline import require
from .texts import text

PathLike = str | os.PathLike[str]

# One look per curve: a distinct line style and marker, so that two curves on top of each other both show.
STYLES = (
    {"linestyle": "-", "marker": "o"},
    {"linestyle": "--", "marker": "x"},
    {"linestyle": "-.", "marker": "s"},
)


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (works without a display)."""
    require(["matplotlib"], text("plots.what"))
    matplotlib = importlib.import_module("matplotlib")  # optional: imported by name, only when plotting
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def moving_average(values: Sequence[float | None], window: int = 10) -> list[float]:
    """The mean of each value and the ``window - 1`` before it (fewer at the start); None counts as NaN."""
    clean = [math.nan if v is None else v for v in values]
    return [sum(clean[max(0, i - window + 1) : i + 1]) / (i + 1 - max(0, i - window + 1)) for i in range(len(clean))]


def scale_for(values: Sequence[float | None]) -> str:
    """``"log"`` when the positive values span at least one decade, else ``"linear"`` (a short log axis has no
    labelled ticks)."""
    positive = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    return "log" if positive and max(positive) >= 10 * min(positive) else "linear"


def _plot_losses(ax: Any, name: str, losses: Sequence[float | None], style: Mapping[str, str], index: int) -> Any:
    """Every step's mini-batch loss, faint, and its 10-step moving average over it; returns the average's line.

    The ``index``-th curve puts its markers at staggered steps, so that curves on top of each other all show."""
    steps = range(1, len(losses) + 1)
    every = max(1, len(losses) // 10)
    markers = (index * every // len(STYLES), every)
    (line,) = ax.plot(steps, moving_average(losses), label=name, markevery=markers, **style)
    ax.plot(steps, [math.nan if v is None else v for v in losses], color=line.get_color(), alpha=0.25, linewidth=0.8)
    return line


def _finish(fig: Any, path: PathLike, title: str, legend_columns: int) -> None:
    """Title on top, one legend for the whole figure below the panels, and save."""
    fig.suptitle(title)
    handles, labels = [], []
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="outside lower center", ncol=legend_columns, frameon=False)
    fig.savefig(os.fspath(path), dpi=110)
    pyplot().close(fig)


def plot_training(metrics: Mapping[str, Any], path: PathLike) -> None:
    """Train and validation loss per epoch (left) and accuracy (right) of a `minigrad train` run."""
    plt = pyplot()
    history, config = metrics["history"], metrics["config"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    epochs = history["epoch"]
    train_label, val_label = text("plot.train.train"), text("plot.train.validation")
    ax_loss.plot(epochs, history["train_loss"], label=train_label, **STYLES[0], markevery=max(1, len(epochs) // 10))
    ax_loss.plot(epochs, history["val_loss"], label=val_label, **STYLES[1], markevery=max(1, len(epochs) // 10))
    ax_loss.set(
        xlabel=text("plot.train.epoch"),
        ylabel=text("plot.train.loss_axis"),
        yscale=scale_for([*history["train_loss"], *history["val_loss"]]),
        title=text("plot.train.loss_title"),
    )
    ax_acc.plot(epochs, history["train_accuracy"], **STYLES[0], markevery=max(1, len(epochs) // 10))
    ax_acc.plot(epochs, history["val_accuracy"], **STYLES[1], markevery=max(1, len(epochs) // 10))
    n_tenses = len(metrics["tenses"])
    chance = text("plot.train.chance", n=n_tenses, chance=f"{1 / n_tenses:.0%}")
    ax_acc.axhline(1 / n_tenses, color="gray", linestyle=":", label=chance)
    ax_acc.set(
        xlabel=text("plot.train.epoch"),
        ylabel=text("plot.train.accuracy_axis"),
        ylim=(-0.02, 1.02),
        title=text("plot.train.accuracy_title"),
    )
    title = text(
        "plot.train.title",
        encoding=text(f"train.encoding.{config['encode']}"),
        hidden=config["hidden"],
        optimizer=config["optimizer"],
        lr=config["lr"],
        seed=config["seed"],
        val_accuracy=f"{metrics['final']['val_accuracy']:.1%}",
    )
    if metrics["final"]["val_accuracy"] < 1 / n_tenses:
        title += f"\n({text('plot.train.course_note')})"
    _finish(fig, path, title, legend_columns=3)


def _per_layer(axes: Sequence[Any], label: str, stds: Sequence[float], grads: Sequence[float], style: Any) -> None:
    """Activation std (first panel) and weight-gradient norm (second panel) of each layer."""
    layers = range(1, len(stds) + 1)
    axes[0].plot(layers, stds, label=label, **style)
    axes[1].plot(range(1, len(grads) + 1), grads, **style)


def _label_layer_panels(axes: Sequence[Any], stds: Sequence[float], grads: Sequence[float]) -> None:
    layer = text("exp.layer")
    axes[0].set(
        xlabel=layer,
        ylabel=text("exp.activation_axis"),
        yscale=scale_for(stds),
        title=text("exp.activation_title"),
    )
    axes[1].set(xlabel=layer, ylabel=text("exp.grad_axis"), yscale=scale_for(grads), title=text("exp.grad_title"))
    axes[2].set(xlabel=text("exp.sgd_step"), ylabel=text("exp.loss_axis"), title=text("exp.loss_title"))


def plot_init(results: Mapping[str, Any], path: PathLike) -> None:
    """The init ablation: activation std (with the predicted decay) and gradient norm per layer, and the loss."""
    from .experiments import init_display_name

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2), layout="constrained")
    all_stds: list[float] = []
    all_grads: list[float] = []
    for index, ((name, r), style) in enumerate(zip(results["schemes"].items(), STYLES)):
        label = init_display_name(name)
        _per_layer(axes, label, r["activation_std"], r["weight_grad_norm"], style)
        layers = range(1, len(r["activation_std"]) + 1)
        predicted = [r["activation_std"][0] * r["predicted_factor_per_layer"] ** (i - 1) for i in layers]
        axes[0].plot(layers, predicted, color="black", linestyle=":", linewidth=0.9)
        _plot_losses(axes[2], label, r["loss"], style, index)
        all_stds += r["activation_std"] + predicted
        all_grads += r["weight_grad_norm"]
    axes[0].plot([], [], color="black", linestyle=":", linewidth=0.9, label=text("init.theory_legend"))
    _label_layer_panels(axes, all_stds, all_grads)
    _finish(fig, path, text("init.title", depth=results["depth"], width=results["width"]), legend_columns=2)


def plot_norm(results: Mapping[str, Any], path: PathLike) -> None:
    """The norm ablation: activation std and gradient norm per layer at init, and the training loss, per variant."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), layout="constrained")
    all_stds: list[float] = []
    all_grads: list[float] = []
    for index, ((name, r), style) in enumerate(zip(results["variants"].items(), STYLES)):
        label = text(f"norm.variant.{name}")
        _per_layer(axes, label, r["activation_std"], r["weight_grad_norm"], style)
        _plot_losses(axes[2], label, r["loss"], style, index)
        all_stds += r["activation_std"]
        all_grads += r["weight_grad_norm"]
    _label_layer_panels(axes, all_stds, all_grads)
    title = text("norm.title", depth=results["depth"], width=results["width"], lr=results["lr"])
    _finish(fig, path, title, legend_columns=3)


def plot_residual(results: Mapping[str, Any], path: PathLike) -> None:
    """Residual depth: gradient norm of each block's first weight, with and without the skip connection."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    values: list[float] = []
    for (name, r), style in zip(results["variants"].items(), STYLES):
        grads = r["weight_grad_norm"]
        ax.plot(range(1, len(grads) + 1), grads, label=text(f"residual.variant.{name}"), markevery=5, **style)
        values += grads
    ax.set(xlabel=text("residual.block_axis"), ylabel=text("residual.grad_axis"), yscale=scale_for(values))
    title = text(
        "residual.title",
        blocks=results["blocks"],
        width=results["width"],
        decades=f"{results['decades_gained_at_block_1']:.1f}",
    )
    _finish(fig, path, title, legend_columns=2)
