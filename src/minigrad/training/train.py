"""Train an MLP on the verbs dataset: the training loop, the run folder, and checkpoint evaluation.

The loop is the one a PyTorch user writes, line for line::

    for epoch in range(epochs):
        for X, y in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()

Every random draw (weights, batch order) comes from one
``np.random.default_rng(seed)``, so the same configuration gives the same
numbers on every run.  The run folder gets ``metrics.json``, ``loss.png`` and
``model.safetensors`` (the configuration and the n-gram vocabulary in its
metadata, so that :func:`evaluate_checkpoint` can rebuild the model and the
validation set and get the same accuracy, bit for bit).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .. import checkpoint, nn
from ..data.verbs import VerbsDataset, load_verbs
from ..engine import no_grad
from ..optim import SGD, Adam, AdamW, Optimizer
from ..tensor import Array, Tensor
from .texts import TrainingError

CHECKPOINT_FORMAT = "minigrad-verbs-mlp/1"
OPTIMIZERS = ("sgd", "adam", "adamw")
# (lr, weight_decay) that reach the accuracy target with each optimizer; `minigrad train` uses them
# unless --lr / --weight-decay are given.  SGD here has momentum 0.9.
DEFAULT_HYPERPARAMETERS = {"sgd": (0.05, 0.0), "adam": (0.003, 0.0), "adamw": (0.003, 0.1)}
MISSING_EXTRA = "`uv sync --extra train` (or `pip install 'minigrad[train]'`)"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's numbers (the defaults reach >= 95% validation accuracy)."""

    epochs: int = 60
    lr: float = DEFAULT_HYPERPARAMETERS["adamw"][0]
    hidden: int = 128
    seed: int = 0
    batch_size: int = 16
    optimizer: str = "adamw"
    weight_decay: float = DEFAULT_HYPERPARAMETERS["adamw"][1]
    val_fraction: float = 0.2
    encode: str = "ngrams"
    language: str = "en"

    def __post_init__(self) -> None:
        for name in ("epochs", "hidden", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"train: {name} must be a positive integer, got {value!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"train: seed must be an integer >= 0 (NumPy refuses negative seeds), got {self.seed!r}")
        if not math.isfinite(self.lr) or self.lr <= 0:
            raise ValueError(f"train: lr must be a positive number, got {self.lr!r}")
        if not math.isfinite(self.weight_decay) or self.weight_decay < 0:
            raise ValueError(f"train: weight_decay must be >= 0, got {self.weight_decay!r}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"train: val_fraction must be strictly between 0 and 1, got {self.val_fraction!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"train: optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def dataset(self) -> VerbsDataset:
        return load_verbs(self.encode, language=self.language, val_fraction=self.val_fraction, seed=self.seed)


def build_model(n_features: int, hidden: int, n_classes: int, generator: np.random.Generator) -> nn.Sequential:
    """``Linear(n_features, hidden) -> ReLU -> Linear(hidden, n_classes)``, drawn from ``generator``."""
    return nn.Sequential(
        nn.Linear(n_features, hidden, generator=generator),
        nn.ReLU(),
        nn.Linear(hidden, n_classes, generator=generator),
    )


def make_optimizer(config: TrainConfig, model: nn.Module) -> Optimizer:
    params = list(model.parameters())
    if config.optimizer == "sgd":
        return SGD(params, lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return AdamW(params, lr=config.lr, weight_decay=config.weight_decay)


def batches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[Array]:
    """Shuffled index batches covering ``range(n)`` once (the last one may be smaller)."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def evaluate(model: nn.Module, X: Array, y: Array) -> tuple[float, float]:
    """``(accuracy, mean cross-entropy)`` of ``model`` on ``(X, y)``, in eval mode, without a graph."""
    was_training = model.training
    model.eval()
    with no_grad():
        logits = model(Tensor(X))
        loss = float(nn.CrossEntropyLoss()(logits, y).item())
    model.train(was_training)
    accuracy = float(np.mean(logits.data.argmax(axis=1) == y))
    return accuracy, loss


@dataclass
class TrainResult:
    model: nn.Sequential
    dataset: VerbsDataset
    metrics: dict[str, Any]


ProgressFactory = Callable[[int], Any]


def train(config: TrainConfig, progress: ProgressFactory | None = None) -> TrainResult:
    """Run the training loop; ``progress(total)`` may return a tqdm-like bar (``update``, ``set_postfix``)."""
    start = time.perf_counter()
    data = config.dataset()
    rng = np.random.default_rng(config.seed)
    model = build_model(data.n_features, config.hidden, data.n_classes, rng)
    optimizer = make_optimizer(config, model)
    loss_fn = nn.CrossEntropyLoss()
    history: dict[str, list[float]] = {k: [] for k in ("train_loss", "val_loss", "train_accuracy", "val_accuracy")}
    bar = progress(config.epochs) if progress is not None else None
    try:
        for _ in range(config.epochs):
            model.train()
            for idx in batches(len(data.y_train), config.batch_size, rng):
                optimizer.zero_grad()
                loss = loss_fn(model(Tensor(data.X_train[idx])), data.y_train[idx])
                loss.backward()
                optimizer.step()
            train_acc, train_loss = evaluate(model, data.X_train, data.y_train)
            val_acc, val_loss = evaluate(model, data.X_val, data.y_val)
            for key, value in zip(history, (train_loss, val_loss, train_acc, val_acc)):
                history[key].append(value)
            if bar is not None:
                bar.set_postfix(loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}", val_acc=f"{val_acc:.3f}")
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    metrics = {
        "task": "predict the tense of a conjugated verb phrase (minigrad.data.verbs)",
        "final": {key: values[-1] for key, values in history.items()},
        "history": {"epoch": list(range(1, config.epochs + 1)), **history},
        "config": asdict(config),
        "seed": config.seed,
        "tenses": list(data.tenses),
        "n_train": len(data.y_train),
        "n_val": len(data.y_val),
        "n_features": data.n_features,
        "elapsed_seconds": time.perf_counter() - start,
    }
    return TrainResult(model, data, metrics)


# --------------------------------------------------------------------------- the run folder


def prepare_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Create the run folder now, before any training, and check that files can be written in it.

    Raises :class:`TrainingError` naming the path when a parent is a file, the
    folder cannot be created, or nothing can be written in it: better before
    a run than after it, when the results would be lost.
    """
    out = Path(out_dir)
    for ancestor in (out, *out.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                reason = TrainingError("error.out_is_file", path=ancestor)
                raise TrainingError("error.out_unwritable", path=out, reason=reason)
            break
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):  # os.access says yes to root even on a read-only mount
            pass
    except PermissionError as error:
        reason = TrainingError("error.out_no_permission", path=out)
        raise TrainingError("error.out_unwritable", path=out, reason=reason) from error
    except OSError as error:
        raise TrainingError("error.out_unwritable", path=out, reason=error.strerror or str(error)) from error
    return out


def save_run(
    result: TrainResult, out_dir: str | os.PathLike[str], plot: bool = True, lang: str = "en"
) -> dict[str, str]:
    """Write ``metrics.json``, ``model.safetensors`` and (if ``plot``) ``loss.png``, texts in ``lang``; their paths."""
    out = prepare_out_dir(out_dir)
    paths = {"metrics": out / "metrics.json", "checkpoint": out / "model.safetensors"}
    metadata = {
        "format": CHECKPOINT_FORMAT,
        "config": json.dumps(result.metrics["config"]),
        "feature_names": json.dumps(result.dataset.feature_names),
        "val_accuracy": repr(result.metrics["final"]["val_accuracy"]),
    }
    checkpoint.save(paths["checkpoint"], result.model.state_dict(), metadata=metadata)
    if plot:
        from .plots import plot_training

        paths["plot"] = out / "loss.png"
        plot_training(result.metrics, paths["plot"], lang=lang)
    files = {k: str(v) for k, v in paths.items()}
    paths["metrics"].write_text(json.dumps({**result.metrics, "files": files}, indent=2) + "\n")
    return files


def course_bound(dataset: VerbsDataset) -> tuple[int, float]:
    """``(distinct inputs, best possible training accuracy)``: one right answer per distinct training input."""
    distinct = len({row.tobytes() for row in dataset.X_train})
    return distinct, distinct / len(dataset.y_train)


def _read_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The checkpoint's metadata, or a :class:`TrainingError` saying why the file is not a checkpoint."""
    if not os.path.exists(path):
        raise TrainingError("error.not_safetensors", path=os.fspath(path), reason=TrainingError("error.no_file"))
    if os.path.isdir(path):
        raise TrainingError("error.not_safetensors", path=os.fspath(path), reason=TrainingError("error.is_folder"))
    try:
        return checkpoint.load_metadata(path)
    except ModuleNotFoundError:
        raise
    except Exception as error:  # safetensors' own SafetensorError derives from Exception only
        raise _unreadable(path, error) from error


def _unreadable(path: str | os.PathLike[str], error: Exception) -> TrainingError:
    # The checkpoint module may already say "FILE is not a valid safetensors checkpoint: REASON": keep the reason.
    detail = getattr(error, "reason", None) or re.sub(r"^.*? is not a valid safetensors checkpoint: ", "", str(error))
    return TrainingError(
        "error.not_safetensors", path=os.fspath(path), reason=TrainingError("error.unreadable", detail=detail)
    )


def evaluate_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Rebuild the model and the validation split a checkpoint was trained with, and score it.

    Returns ``{"val_accuracy", "val_loss", "train_accuracy", "train_loss",
    "saved_val_accuracy", "config"}``; the two validation accuracies are
    equal when the checkpoint is intact.  A file that is not a checkpoint of
    ``minigrad train`` raises :class:`TrainingError` (a ``ValueError``) naming it.
    """
    meta = _read_metadata(path)
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise TrainingError(
            "error.not_from_train", path=os.fspath(path), found=repr(meta.get("format")), expected=CHECKPOINT_FORMAT
        )
    config = TrainConfig.from_dict(json.loads(meta["config"]))
    data = config.dataset()
    if data.feature_names != json.loads(meta["feature_names"]):
        raise TrainingError("error.features_changed", path=os.fspath(path))
    model = build_model(data.n_features, config.hidden, data.n_classes, np.random.default_rng(0))
    try:
        checkpoint.load_into(model, path)
    except Exception as error:  # a damaged data section surfaces here, after the header read fine
        raise _unreadable(path, error) from error
    val_acc, val_loss = evaluate(model, data.X_val, data.y_val)
    train_acc, train_loss = evaluate(model, data.X_train, data.y_train)
    return {
        "val_accuracy": val_acc,
        "val_loss": val_loss,
        "train_accuracy": train_acc,
        "train_loss": train_loss,
        "saved_val_accuracy": float(meta["val_accuracy"]),
        "config": asdict(config),
    }
