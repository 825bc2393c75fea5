"""Checkpoints in the safetensors format: named arrays plus string metadata, and no pickle.

A ``.safetensors`` file is a small JSON header (each array's dtype, shape and
byte range, plus a ``__metadata__`` dict of strings) followed by the raw
bytes.  Loading it runs no code, unlike a pickle, and PyTorch, JAX and NumPy
read the same file.  ``safetensors`` is an optional dependency (the ``train``
extra), imported only here.

>>> from minigrad import checkpoint
>>> checkpoint.save("model.safetensors", model.state_dict(), metadata={"epochs": "30"})  # doctest: +SKIP
>>> checkpoint.load_into(model, "model.safetensors")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .tensor import Array, Tensor

if TYPE_CHECKING:
    from .nn import IncompatibleKeys, Module

PathLike = str | os.PathLike[str]

MISSING_EXTRA = (
    "minigrad.checkpoint needs the 'safetensors' package: install the train extra with "
    "`uv sync --extra train` (or `pip install 'minigrad[train]'`)"
)


class CheckpointMismatchError(ValueError):
    """A checkpoint's keys or shapes do not match the module it is loaded into."""


def _safetensors_numpy() -> Any:
    try:
        return importlib.import_module("safetensors.numpy")  # optional: imported by name, only when used
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(MISSING_EXTRA) from error


def save(path: PathLike, state_dict: Mapping[str, Array | Tensor], metadata: Mapping[str, str] | None = None) -> None:
    """Write ``state_dict`` (name -> array) to ``path`` in safetensors format, with optional string metadata.

    Arrays are written bit for bit with their dtype and shape; tensors are
    saved as their arrays.  Metadata keys and values must be strings (encode
    anything else, e.g. with ``json.dumps``).
    """
    arrays: dict[str, Array] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"checkpoint.save: keys must be strings, got {key!r} ({type(key).__name__})")
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            raise TypeError(
                f"checkpoint.save: {key!r} is a {type(value).__name__}; values must be NumPy arrays or Tensors"
            )
        if array.dtype.kind not in "biuf":
            raise TypeError(f"checkpoint.save: {key!r} has dtype {array.dtype}, which safetensors cannot store")
        # safetensors writes the raw buffer, so it must be C-ordered (np.ascontiguousarray would make 0-d 1-d)
        arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")
    meta = dict(metadata or {})
    for k, v in meta.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(
                f"checkpoint.save: metadata must map strings to strings, got {k!r}: {type(v).__name__}; "
                "encode other values with json.dumps"
            )
    _safetensors_numpy().save_file(arrays, os.fspath(path), metadata=meta or None)


def load(path: PathLike) -> dict[str, Array]:
    """Read every array of a safetensors file into memory: name -> NumPy array (writeable copies)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint.load: no file at {os.fspath(path)!r}")
    loaded = _safetensors_numpy().load_file(os.fspath(path))
    return {key: np.array(value) for key, value in loaded.items()}


def load_metadata(path: PathLike) -> dict[str, str]:
    """The string metadata stored with :func:`save` (empty if there was none)."""
    _safetensors_numpy()
    safe_open = importlib.import_module("safetensors").safe_open

    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint.load_metadata: no file at {os.fspath(path)!r}")
    with safe_open(os.fspath(path), framework="np") as f:
        return dict(f.metadata() or {})


def check_compatible(
    expected: Mapping[str, tuple[int, ...]], found: Mapping[str, Array], strict: bool = True, source: str = ""
) -> tuple[list[str], list[str]]:
    """Compare a module's shapes with a checkpoint's arrays: ``(missing, unexpected)``, or raise listing every problem.

    With ``strict=True`` missing and unexpected keys are errors; shape
    mismatches always are (an array of the wrong shape cannot be loaded).
    ``source`` (the file) is named in the error.
    """
    missing = sorted(k for k in expected if k not in found)
    unexpected = sorted(k for k in found if k not in expected)
    mismatched = [
        f"{k}: checkpoint {tuple(found[k].shape)}, model {tuple(expected[k])}"
        for k in expected
        if k in found and tuple(found[k].shape) != tuple(expected[k])
    ]
    problems = []
    if strict and missing:
        problems.append("missing keys (in the model, not in the checkpoint): " + ", ".join(missing))
    if strict and unexpected:
        problems.append("unexpected keys (in the checkpoint, not in the model): " + ", ".join(unexpected))
    if mismatched:
        problems.append("shape mismatches: " + "; ".join(mismatched))
    if problems:
        where = f" {source!r}" if source else ""
        raise CheckpointMismatchError(
            f"the checkpoint{where} does not match the model:\n  "
            + "\n  ".join(problems)
            + "\nBuild the model with the configuration it was saved with"
            + (", or pass strict=False to skip missing/unexpected keys" if not mismatched else "")
        )
    return missing, unexpected


def load_into(module: Module, path: PathLike, strict: bool = True) -> IncompatibleKeys:
    """Load a checkpoint into ``module``'s parameters and buffers (in place; parameters keep their identity).

    Every missing or unexpected key and every shape mismatch is listed in one
    :class:`CheckpointMismatchError`, raised before anything is changed.
    With ``strict=False`` keys present on one side only are skipped and
    returned as ``(missing_keys, unexpected_keys)``, as PyTorch's
    ``load_state_dict`` does.
    """
    arrays = load(path)
    shapes = {k: v.shape for k, v in module.state_dict().items()}
    check_compatible(shapes, arrays, strict, source=os.fspath(path))
    return module.load_state_dict(arrays, strict=strict)
