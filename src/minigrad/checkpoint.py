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
import json
import math
import os
import struct
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


class CheckpointError(ValueError):
    """``FILE is not a valid safetensors checkpoint: REASON``: the file cannot be read as a checkpoint at all."""

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__(f"{os.fspath(path)!r} is not a valid safetensors checkpoint: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """No file at the path: a :class:`CheckpointError` that ``except FileNotFoundError`` also catches."""


# Bytes per element of each safetensors dtype that NumPy can hold (BF16 and the F8 types it cannot).
ITEM_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "U16": 2, "I16": 2, "F16": 2, "U32": 4, "I32": 4, "F32": 4}
ITEM_SIZES |= {"U64": 8, "I64": 8, "F64": 8}
HEADER_LENGTH_BYTES = 8  # a little-endian unsigned 64-bit integer: the size of the JSON header that follows


def _safetensors_numpy() -> Any:
    try:
        return importlib.import_module("safetensors.numpy")  # optional: imported by name, only when used
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(MISSING_EXTRA) from error


def _other_format(start: bytes, size: int) -> str | None:
    """The format of a file people pass by mistake, told from its first bytes (None if unknown)."""
    if len(start) == HEADER_LENGTH_BYTES and struct.unpack("<Q", start)[0] <= size - HEADER_LENGTH_BYTES:
        return None  # a header length that fits the file: safetensors, even if its first byte is 0x80
    if start[:1] == b"\x80":
        return "it is a pickle (pickle.dump, or an old torch.save), which minigrad never loads: unpickling runs code"
    if start[:2] == b"PK":
        return "it is a zip archive (torch.save writes one); save the state_dict with safetensors instead"
    return None


def _check_entry(key: str, entry: object) -> tuple[int, int]:
    """The byte range of one array entry of the header, after checking its dtype, shape and offsets agree."""
    if not isinstance(entry, dict):
        raise ValueError(f"header entry {key!r} is not a JSON object")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in ITEM_SIZES:
        raise ValueError(f"array {key!r} has dtype {dtype!r}; NumPy can read {', '.join(ITEM_SIZES)}")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError(f"array {key!r} has shape {shape!r}; a shape is a list of integers >= 0")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(n) is int and n >= 0 for n in offsets)):
        raise ValueError(f"array {key!r} has data_offsets {offsets!r}; expected [begin, end] with integers >= 0")
    begin, end = offsets
    expected = math.prod(shape) * ITEM_SIZES[dtype]
    if end - begin != expected:
        raise ValueError(
            f"array {key!r} has data_offsets [{begin}, {end}] ({end - begin} bytes), "
            f"but {dtype} of shape {tuple(shape)} needs {expected} bytes"
        )
    return begin, end


def _check_file(path: PathLike) -> dict[str, str]:
    """Read and check a safetensors header, raising :class:`CheckpointError` with the reason; return its metadata.

    Checked before safetensors reads the file (so that every problem gets a
    message naming the file) and before any module or optimizer is changed.
    """
    if os.path.isdir(path):
        raise CheckpointError(path, "it is a directory; pass the .safetensors file inside it")
    if not os.path.exists(path):
        raise CheckpointNotFoundError(path, "there is no such file; check the path")
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            start = f.read(HEADER_LENGTH_BYTES)
            other_format = _other_format(start, size)
            if other_format:
                raise CheckpointError(path, other_format)
            if len(start) < HEADER_LENGTH_BYTES:
                raise CheckpointError(path, f"the file has {size} bytes, fewer than the 8-byte header length")
            (header_length,) = struct.unpack("<Q", start)
            if header_length > size - HEADER_LENGTH_BYTES:
                raise CheckpointError(
                    path,
                    f"the first 8 bytes give a header of {header_length} bytes, but only "
                    f"{size - HEADER_LENGTH_BYTES} follow (a truncated file, or another format)",
                )
            raw_header = f.read(header_length)
    except OSError as error:
        raise CheckpointError(path, f"it cannot be read ({error.strerror or error})") from error
    try:
        header = json.loads(raw_header.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(path, f"its header is not valid UTF-8 JSON ({error})") from error
    if not isinstance(header, dict):
        raise CheckpointError(path, f"its header is JSON but not an object (it is a {type(header).__name__})")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(path, "its __metadata__ is not a mapping of strings to strings")
    data_size = size - HEADER_LENGTH_BYTES - header_length
    try:
        ranges = sorted(_check_entry(key, entry) for key, entry in header.items())
    except ValueError as error:
        raise CheckpointError(path, str(error)) from error
    covered = 0
    for begin, end in ranges:  # the arrays must tile the data section exactly: no gap, no overlap
        if begin != covered:
            raise CheckpointError(path, f"the arrays' data_offsets leave a gap or overlap at byte {covered}")
        covered = end
    if covered != data_size:
        raise CheckpointError(
            path, f"the header describes {covered} bytes of array data, but the file holds {data_size} (truncated?)"
        )
    return dict(metadata)


def save(path: PathLike, state_dict: Mapping[str, Array | Tensor], metadata: Mapping[str, str] | None = None) -> None:
    """Write ``state_dict`` (name -> array) to ``path`` in safetensors format, with optional string metadata.

    Arrays are written bit for bit with their dtype and shape; tensors are
    saved as their arrays.  Metadata keys and values must be strings (encode
    anything else, e.g. with ``json.dumps``).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"checkpoint.save: path must be a file name, got {type(path).__name__}; call save(path, state_dict)"
        )
    if not isinstance(state_dict, Mapping):
        hint = "model.state_dict()" if hasattr(state_dict, "state_dict") else "a dict name -> array"
        raise TypeError(
            f"checkpoint.save: state_dict must be a mapping of names to arrays, got "
            f"{type(state_dict).__name__}; pass {hint}"
        )
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
    target = os.fspath(path)
    if os.path.isdir(target):
        raise IsADirectoryError(
            f"checkpoint.save: {target!r} is a directory; give a file name such as model.safetensors"
        )
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"checkpoint.save: the folder {folder!r} does not exist; create it first")
    _safetensors_numpy().save_file(arrays, target, metadata=meta or None)


def load(path: PathLike) -> dict[str, Array]:
    """Read every array of a safetensors file into memory: name -> NumPy array (writeable copies).

    A file that is not a complete safetensors checkpoint raises
    :class:`CheckpointError` naming the file and the reason (a missing file:
    :class:`CheckpointNotFoundError`, also a ``FileNotFoundError``).
    """
    _check_file(path)
    safetensors_numpy = _safetensors_numpy()
    try:
        loaded = safetensors_numpy.load_file(os.fspath(path))
    except Exception as error:  # SafetensorError derives from Exception only; the header checks above passed
        raise CheckpointError(path, f"safetensors cannot read it: {error}") from error
    return {key: np.array(value) for key, value in loaded.items()}


def load_metadata(path: PathLike) -> dict[str, str]:
    """The string metadata stored with :func:`save` (empty if there was none); errors as :func:`load`."""
    return _check_file(path)


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
    from .nn import Module  # here: nn imports much of the package, checkpoint is imported by minigrad itself

    if not isinstance(module, Module):
        swapped = isinstance(module, (str, os.PathLike)) and isinstance(path, Module)
        raise TypeError(
            "checkpoint.load_into: the arguments are swapped; call load_into(model, path)"
            if swapped
            else f"checkpoint.load_into: expected a minigrad Module to load into, got {type(module).__name__}"
        )
    arrays = load(path)
    shapes = {k: v.shape for k, v in module.state_dict().items()}
    check_compatible(shapes, arrays, strict, source=os.fspath(path))
    return module.load_state_dict(arrays, strict=strict)
