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
validation set and get the same accuracy, bit for bit).  The files are written
beside the folder and moved into place together (:mod:`.runfolder`), so the
folder holds one whole run or the previous one.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .. import checkpoint, messages, nn
from ..data.verbs import VerbsDataset, load_verbs
from ..engine import no_grad
from ..messages import group_thousands
from ..optim import SGD, Adam, AdamW, Optimizer
from ..tensor import Array, Tensor
from .runfolder import RunFolder
from .texts import TrainingError, text

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
                raise ValueError(messages.text("loop_errors.train.positive_int", name=name, value=value))
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(messages.text("loop_errors.train.seed", value=self.seed))
        if not math.isfinite(self.lr) or self.lr <= 0:
            raise ValueError(messages.text("loop_errors.train.lr", value=self.lr))
        if not math.isfinite(self.weight_decay) or self.weight_decay < 0:
            raise ValueError(messages.text("loop_errors.train.weight_decay", value=self.weight_decay))
        if not 0 < self.val_fraction < 1:
            raise ValueError(messages.text("loop_errors.train.val_fraction", value=self.val_fraction))
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                messages.text("loop_errors.train.optimizer", choices=", ".join(OPTIMIZERS), value=self.optimizer)
            )

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def dataset(self) -> VerbsDataset:
        return load_verbs(self.encode, language=self.language, val_fraction=self.val_fraction, seed=self.seed)


DTYPE = np.float64  # the model's parameters (nn.Linear's default)
# Arrays of the parameters' size that training holds: the weights, their gradients, and the optimizer's
# state (SGD's momentum buffer; Adam's and AdamW's two moments).
ARRAYS_PER_PARAMETER = {"sgd": 3, "adam": 4, "adamw": 4}


def build_model(n_features: int, hidden: int, n_classes: int, generator: np.random.Generator) -> nn.Sequential:
    """``Linear(n_features, hidden) -> ReLU -> Linear(hidden, n_classes)``, drawn from ``generator``."""
    return nn.Sequential(
        nn.Linear(n_features, hidden, generator=generator, dtype=DTYPE),
        nn.ReLU(),
        nn.Linear(hidden, n_classes, generator=generator, dtype=DTYPE),
    )


def parameter_count(n_features: int, hidden: int, n_classes: int) -> int:
    """Weights and biases of :func:`build_model`: ``hidden·(n_features + 1) + n_classes·(hidden + 1)``."""
    return hidden * (n_features + 1) + n_classes * (hidden + 1)


def physical_memory() -> int | None:
    """This machine's memory in bytes (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units with one decimal (``1.5 GiB``; the decimal point in both languages)."""
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} TiB"


def memory_error(config: TrainConfig, n_features: int, n_classes: int, have: int | None) -> TrainingError:
    """What the model of ``config`` needs, as the error a learner reads (``have``: the machine's memory, if known)."""
    count = parameter_count(n_features, config.hidden, n_classes)
    arrays = ARRAYS_PER_PARAMETER[config.optimizer]
    return TrainingError(
        "error.model_too_big",
        hidden=config.hidden,
        parameters=group_thousands(count),
        weights=format_bytes(count * np.dtype(DTYPE).itemsize),
        dtype=np.dtype(DTYPE).name,
        arrays=arrays,
        optimizer=config.optimizer,
        needed=format_bytes(count * np.dtype(DTYPE).itemsize * arrays),
        have=TrainingError("error.machine_memory", memory=format_bytes(have))
        if have
        else TrainingError("error.memory_ran_out"),
        default=TrainConfig().hidden,
    )


def check_memory(config: TrainConfig, n_features: int, n_classes: int) -> None:
    """Refuse, before allocating anything, a model whose training needs more than the machine's memory."""
    have = physical_memory()
    needed = parameter_count(n_features, config.hidden, n_classes) * np.dtype(DTYPE).itemsize
    if have is not None and needed * ARRAYS_PER_PARAMETER[config.optimizer] > have:
        raise memory_error(config, n_features, n_classes, have)


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
    check_memory(config, data.n_features, data.n_classes)
    try:
        return _train(config, data, progress, start)
    except MemoryError as error:  # the machine had less free memory than it has in all
        raise memory_error(config, data.n_features, data.n_classes, None) from error


def _train(config: TrainConfig, data: VerbsDataset, progress: ProgressFactory | None, start: float) -> TrainResult:
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
    """Create ``minigrad experiment``'s output folder now, before any run, and check that files can be written in it.

    Raises :class:`TrainingError` naming the path when a parent is a file, the
    folder cannot be created, or nothing can be written in it: better before
    a run than after it, when the results would be lost.
    """
    if not os.fspath(out_dir).strip():  # Path("") is the current folder: never a silent choice
        raise TrainingError("error.out_empty")
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


def save_run(result: TrainResult, out_dir: str | os.PathLike[str], plot: bool = True) -> dict[str, str]:
    """Write ``metrics.json``, ``model.safetensors`` and (if ``plot``) ``loss.png`` as one run; their paths.

    The files are staged beside ``out_dir`` and replace it at once (:class:`RunFolder`), so the
    folder holds this run or the previous one, never a mix.
    """
    with RunFolder(out_dir) as run:
        files = write_run(result, run, plot)
        run.commit()
    return files


def write_run(result: TrainResult, run: RunFolder, plot: bool = True) -> dict[str, str]:
    """Write the run's files into ``run.staging``; their paths once committed (as ``metrics.json`` lists them)."""
    names = {"metrics": "metrics.json", "checkpoint": "model.safetensors"} | ({"plot": "loss.png"} if plot else {})
    staged = {key: run.file(name)[0] for key, name in names.items()}
    files = {key: str(run.file(name)[1]) for key, name in names.items()}
    metadata = {
        "format": CHECKPOINT_FORMAT,
        "config": json.dumps(result.metrics["config"]),
        "feature_names": json.dumps(result.dataset.feature_names),
        "val_accuracy": repr(result.metrics["final"]["val_accuracy"]),
    }
    checkpoint.save(staged["checkpoint"], result.model.state_dict(), metadata=metadata)
    if plot:
        from .plots import plot_training

        plot_training(result.metrics, staged["plot"])  # its texts in the current language
    staged["metrics"].write_text(json.dumps({**result.metrics, "files": files}, indent=2) + "\n")
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


METADATA_KEYS = ("format", "config", "feature_names", "val_accuracy")  # what save_run writes


def array_shapes(path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    """Each array's shape as the checkpoint's header gives it, read without loading any array."""
    safetensors = importlib.import_module("safetensors")  # optional (the train extra), as in minigrad.checkpoint
    try:
        with safetensors.safe_open(os.fspath(path), framework="numpy") as file:
            return {key: tuple(file.get_slice(key).get_shape()) for key in file.keys()}
    except Exception as error:  # safetensors' SafetensorError derives from Exception only
        raise _unreadable(path, error) from error


def checked_metadata(path: str | os.PathLike[str], metadata: dict[str, str], keys: Sequence[str]) -> None:
    """Raise :class:`TrainingError` naming every key of ``keys`` the checkpoint's metadata lacks."""
    missing = [key for key in keys if key not in metadata]
    if missing:
        raise TrainingError(
            "error.metadata_missing",
            path=os.fspath(path),
            missing=", ".join(map(repr, missing)),
            found=", ".join(map(repr, sorted(metadata))) or "-",
        )


def config_from_metadata(path: str | os.PathLike[str], raw: str, names: Sequence[str]) -> dict[str, Any]:
    """The metadata's ``config`` (JSON) as a dict holding every one of ``names``, or a :class:`TrainingError`."""
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as error:
        raise TrainingError("error.metadata_bad", path=os.fspath(path), entry="config", detail=str(error)) from error
    if not isinstance(values, dict):
        detail = type(values).__name__
        raise TrainingError("error.metadata_bad", path=os.fspath(path), entry="config", detail=detail)
    missing = [name for name in names if name not in values]
    if missing:
        raise TrainingError("error.config_missing", path=os.fspath(path), missing=", ".join(map(repr, missing)))
    return values


def check_claimed_sizes(path: str | os.PathLike[str], claimed: dict[str, Any], found: dict[str, Any]) -> None:
    """Every size the metadata claims must be the size the arrays have: checked before any model is built,
    so that a small file claiming ``hidden=10**9`` allocates nothing."""
    wrong = [
        text("error.size_pair", name=name, claimed=claimed[name], found=found[name])
        for name in claimed
        if claimed[name] != found[name]
    ]
    if wrong:
        raise TrainingError("error.sizes_disagree", path=os.fspath(path), sizes="; ".join(wrong))


def axis_size(shapes: dict[str, tuple[int, ...]], key: str, axis: int) -> int | None:
    """``shapes[key][axis]``, or None when the file has no such array or axis (a tampered file may not)."""
    shape = shapes.get(key, ())
    return shape[axis] if len(shape) > axis else None


def evaluate_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Rebuild the model and the validation split a checkpoint was trained with, and score it.

    Returns ``{"val_accuracy", "val_loss", "train_accuracy", "train_loss",
    "saved_val_accuracy", "config"}``; the two validation accuracies are
    equal when the checkpoint is intact.  A file that is not a checkpoint of
    ``minigrad train`` raises :class:`TrainingError` (a ``ValueError``) naming it,
    and so does one whose metadata lacks a key or claims sizes its arrays do not have.
    """
    meta = _read_metadata(path)
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise TrainingError(
            "error.not_from_train", path=os.fspath(path), found=repr(meta.get("format")), expected=CHECKPOINT_FORMAT
        )
    checked_metadata(path, meta, METADATA_KEYS)
    values = config_from_metadata(path, meta["config"], [f.name for f in fields(TrainConfig)])
    try:
        feature_names = json.loads(meta["feature_names"])
        saved_val_accuracy = float(meta["val_accuracy"])
        config = TrainConfig.from_dict(values)
    except (ValueError, TypeError) as error:
        raise TrainingError("error.metadata_bad", path=os.fspath(path), entry="config", detail=str(error)) from error
    shapes = array_shapes(path)
    claimed = {"hidden": config.hidden, "n_features": len(feature_names) if isinstance(feature_names, list) else None}
    found = {"hidden": axis_size(shapes, "0.weight", 0), "n_features": axis_size(shapes, "0.weight", 1)}
    check_claimed_sizes(path, claimed, found)
    data = config.dataset()
    if data.feature_names != feature_names:
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
        "saved_val_accuracy": saved_val_accuracy,
        "config": asdict(config),
    }
