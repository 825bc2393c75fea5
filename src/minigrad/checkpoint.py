"""Checkpoints in the safetensors format: named arrays plus string metadata, and no pickle.

A ``.safetensors`` file is a small JSON header (each array's dtype, shape and
byte range, plus a ``__metadata__`` dict of strings) followed by the raw
bytes.  Loading it runs no code, unlike a pickle, and PyTorch, JAX and NumPy
read the same file.  ``safetensors`` is an optional dependency (the ``train``
extra), imported only here.

A file is data, never trusted: anything but a regular file is refused before
it is opened (a named pipe would hang), a header over safetensors' 100 MB
limit before it is read, and every malformed header gives one
:class:`CheckpointError` with the reason.  Code that builds a model from the
metadata checks the sizes it claims first: :func:`check_claimed_shapes`.

>>> from minigrad import checkpoint
>>> checkpoint.save("model.safetensors", model.state_dict(), metadata={"epochs": "30"})  # doctest: +SKIP
>>> checkpoint.load_into(model, "model.safetensors")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import json
import math
import os
import secrets
import signal
import stat
import struct
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .messages import group_thousands, text
from .tensor import Array, Tensor

if TYPE_CHECKING:
    from .nn import IncompatibleKeys, Module

PathLike = str | os.PathLike[str]


class CheckpointMismatchError(ValueError):
    """A checkpoint's keys or shapes do not match the module it is loaded into."""


class CheckpointError(ValueError):
    """``FILE is not a valid safetensors checkpoint: REASON``: the file cannot be read as a checkpoint at all."""

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__(text("checkpoint.not_valid", path=os.fspath(path), reason=reason))
        self.path = os.fspath(path)
        self.reason = reason


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """No file at the path: a :class:`CheckpointError` that ``except FileNotFoundError`` also catches."""


# Bytes per element of each safetensors dtype that NumPy can hold (BF16 and the F8 types it cannot).
ITEM_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "U16": 2, "I16": 2, "F16": 2, "U32": 4, "I32": 4, "F32": 4}
ITEM_SIZES |= {"U64": 8, "I64": 8, "F64": 8}
HEADER_LENGTH_BYTES = 8  # a little-endian unsigned 64-bit integer: the size of the JSON header that follows
MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit: a longer header is refused before it is read
MAX_INTEGER_DIGITS = 20  # 2**64 has 20 digits: a size or offset cannot need more


def _safetensors_numpy() -> Any:
    try:
        return importlib.import_module("safetensors.numpy")  # optional: imported by name, only when used
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(text("checkpoint.missing_extra")) from error


def _other_format(start: bytes, size: int) -> str | None:
    """The format of a file people pass by mistake, told from its first bytes (None if unknown)."""
    if len(start) == HEADER_LENGTH_BYTES and struct.unpack("<Q", start)[0] <= size - HEADER_LENGTH_BYTES:
        return None  # a header length that fits the file: safetensors, even if its first byte is 0x80
    if start[:1] == b"\x80":
        return text("checkpoint.reason.pickle")
    if start[:2] == b"PK":
        return text("checkpoint.reason.zip")
    return None


def _check_entry(key: str, entry: object) -> tuple[int, int]:
    """The byte range of one array entry of the header, after checking its dtype, shape and offsets agree."""
    if not isinstance(entry, dict):
        raise ValueError(text("checkpoint.reason.entry_not_object", key=key))
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in ITEM_SIZES:
        raise ValueError(text("checkpoint.reason.entry_dtype", key=key, dtype=dtype, dtypes=", ".join(ITEM_SIZES)))
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError(text("checkpoint.reason.entry_shape", key=key, shape=shape))
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(n) is int and n >= 0 for n in offsets)):
        raise ValueError(text("checkpoint.reason.entry_offsets", key=key, offsets=offsets))
    begin, end = offsets
    expected = math.prod(shape) * ITEM_SIZES[dtype]
    if end - begin != expected:
        raise ValueError(
            text(
                "checkpoint.reason.entry_size",
                key=key,
                begin=begin,
                end=end,
                bytes=end - begin,
                dtype=dtype,
                shape=tuple(shape),
                expected=expected,
            )
        )
    return begin, end


def _check_regular_file(path: PathLike) -> None:
    """Refuse a path that is not a regular file, from its ``stat`` alone: nothing is opened yet.

    A named pipe would block ``open`` until some writer came along (a hang),
    and a device could stream forever.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise CheckpointNotFoundError(path, text("checkpoint.reason.no_file")) from None
    except OSError as error:
        raise CheckpointError(path, text("checkpoint.reason.unreadable", detail=error.strerror or error)) from error
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise CheckpointError(path, text("checkpoint.reason.directory"))
    kind = (
        "fifo"
        if stat.S_ISFIFO(mode)
        else "socket"
        if stat.S_ISSOCK(mode)
        else "device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "other"
    )
    raise CheckpointError(path, text("checkpoint.reason.not_regular", kind=text(f"checkpoint.reason.kind.{kind}")))


@contextmanager
def _open_regular(path: PathLike) -> Iterator[Any]:
    """Open for reading without blocking, and check again that it is a regular file (it may have been swapped)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CheckpointError(path, text("checkpoint.reason.swapped"))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        yield f


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _HostileHeaderError(text("checkpoint.reason.long_integer", digits=len(digits)))
    return int(digits)


class _HostileHeaderError(ValueError):
    """A header that no safetensors writer produces: a reason for :class:`CheckpointError`."""


def _parse_header(path: PathLike, raw_header: bytes) -> Any:
    """The JSON header, or one :class:`CheckpointError` with the reason, whatever the bytes hold.

    Integers longer than any size are refused as they are parsed (before
    Python's 4,300-digit limit, or a costly conversion, is reached); nesting
    deeper than the parser's recursion limit is a reason like any other.
    """
    try:
        decoded = raw_header.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CheckpointError(path, text("checkpoint.reason.header_not_utf8", detail=error)) from error
    try:
        return json.loads(decoded, parse_int=_bounded_int)
    except _HostileHeaderError as error:
        raise CheckpointError(path, text("checkpoint.reason.header_hostile", detail=error)) from None
    except RecursionError:
        raise CheckpointError(path, text("checkpoint.reason.header_too_deep")) from None
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise CheckpointError(path, text("checkpoint.reason.header_not_json", detail=error)) from None


def _check_file(path: PathLike) -> dict[str, str]:
    """The metadata of a checked file (see :func:`_read_checked`)."""
    return _read_checked(path)[0]


def _read_checked(path: PathLike) -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    """Read and check a safetensors header, raising :class:`CheckpointError` with the reason; return its metadata.

    Checked before safetensors reads the file (so that every problem gets a
    message naming the file) and before any module or optimizer is changed.
    """
    _check_regular_file(path)
    try:
        with _open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            start = f.read(HEADER_LENGTH_BYTES)
            other_format = _other_format(start, size)
            if other_format:
                raise CheckpointError(path, other_format)
            if len(start) < HEADER_LENGTH_BYTES:
                raise CheckpointError(path, text("checkpoint.reason.too_short", size=size))
            (header_length,) = struct.unpack("<Q", start)
            if header_length > MAX_HEADER_BYTES:
                reason = text(
                    "checkpoint.reason.header_over_limit",
                    length=group_thousands(header_length),
                    limit=group_thousands(MAX_HEADER_BYTES),
                )
                raise CheckpointError(path, reason)
            if header_length > size - HEADER_LENGTH_BYTES:
                left = size - HEADER_LENGTH_BYTES
                reason = text("checkpoint.reason.header_past_end", length=header_length, left=left)
                raise CheckpointError(path, reason)
            raw_header = f.read(header_length)
    except OSError as error:
        raise CheckpointError(path, text("checkpoint.reason.unreadable", detail=error.strerror or error)) from error
    header = _parse_header(path, raw_header)
    if not isinstance(header, dict):
        raise CheckpointError(path, text("checkpoint.reason.header_not_object", kind=type(header).__name__))
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(path, text("checkpoint.reason.metadata_not_strings"))
    data_size = size - HEADER_LENGTH_BYTES - header_length
    try:
        ranges = sorted(_check_entry(key, entry) for key, entry in header.items())
    except ValueError as error:
        raise CheckpointError(path, str(error)) from error
    covered = 0
    for begin, end in ranges:  # the arrays must tile the data section exactly: no gap, no overlap
        if begin != covered:
            raise CheckpointError(path, text("checkpoint.reason.gap", byte=covered))
        covered = end
    if covered != data_size:
        raise CheckpointError(path, text("checkpoint.reason.data_size", described=covered, held=data_size))
    return dict(metadata), {key: tuple(entry["shape"]) for key, entry in header.items()}


def array_shapes(path: PathLike) -> dict[str, tuple[int, ...]]:
    """The name and shape of every array in the file, read from its checked header: no array is loaded."""
    return _read_checked(path)[1]


def _held(metadata: Mapping[str, str]) -> str:
    """The keys a file's metadata holds, for a message: ``['config', 'format']``, or "nothing"."""
    return str(sorted(metadata)) if metadata else text("checkpoint.reason.nothing")


def require_metadata(path: PathLike, metadata: Mapping[str, str], fields: Mapping[str, str]) -> None:
    """Refuse metadata that lacks any of ``fields`` (name -> what it holds), naming every missing one.

    For code that rebuilds something from a checkpoint's metadata: a file
    whose metadata was edited or written by another program gets a reason,
    not a bare ``KeyError``.
    """
    missing = [f"{name!r} ({what})" for name, what in fields.items() if name not in metadata]
    if missing:
        held = _held(metadata)
        raise CheckpointError(
            path, text("checkpoint.reason.metadata_lacks_fields", missing=", ".join(missing), held=held)
        )


def metadata_json(path: PathLike, metadata: Mapping[str, str], field: str) -> Any:
    """``metadata[field]`` decoded from JSON, or one :class:`CheckpointError` naming the field and the reason."""
    if field not in metadata:
        raise CheckpointError(path, text("checkpoint.reason.metadata_lacks", field=field, held=_held(metadata)))
    try:
        return json.loads(metadata[field], parse_int=_bounded_int)
    except _HostileHeaderError as error:
        raise CheckpointError(path, text("checkpoint.reason.metadata_hostile", field=field, detail=error)) from None
    except RecursionError:
        raise CheckpointError(path, text("checkpoint.reason.metadata_too_deep", field=field)) from None
    except ValueError as error:
        raise CheckpointError(path, text("checkpoint.reason.metadata_not_json", field=field, detail=error)) from None


def check_claimed_shapes(path: PathLike, planned: Mapping[str, tuple[int, ...]], claims: str = "") -> None:
    """Check the shapes of a model about to be built from metadata against the arrays in the file, first.

    ``planned`` is name -> shape as the metadata's sizes imply them (computed,
    not built: ``{"0.weight": (hidden, n_features), ...}``).  Metadata is not
    trusted: a 1 KB file whose metadata claims ``hidden = 10**9`` is refused
    here, naming every difference, before anything is allocated.  ``claims``
    (e.g. ``"hidden=1000000000"``) is quoted in the message.
    """
    found = array_shapes(path)
    problems = [text("checkpoint.reason.claimed.no_array", name=name) for name in planned if name not in found]
    problems += [
        text("checkpoint.reason.claimed.shape", name=name, implied=tuple(shape), held=found[name])
        for name, shape in planned.items()
        if name in found and tuple(shape) != found[name]
    ]
    problems += [text("checkpoint.reason.claimed.extra", name=name) for name in found if name not in planned]
    if problems:
        said = f" ({claims})" if claims else ""
        reason = text("checkpoint.reason.claimed_shapes", said=said, problems="; ".join(problems))
        raise CheckpointError(path, reason)


def check_claimed_sizes(path: PathLike, sizes: Mapping[str, int]) -> None:
    """Check each width the metadata claims (name -> size: ``hidden``, ``d_model``...) against the file, first.

    A model's widths are axes of its arrays, so each claimed size must be the
    length of some axis of some array in the file; a size that none has (a
    1 KB file claiming ``hidden = 10**9``) is refused, naming every such
    claim, before anything is allocated.  Coarser than
    :func:`check_claimed_shapes`, for models whose exact layout is long to spell.
    """
    found = array_shapes(path)
    lengths = {n for shape in found.values() for n in shape}
    wrong = [f"{name}={size}" for name, size in sizes.items() if size not in lengths]
    if wrong:
        longest = max(lengths, default=0)
        reason = text("checkpoint.reason.claimed_sizes", wrong=", ".join(wrong), longest=longest)
        raise CheckpointError(path, reason)


def save(path: PathLike, state_dict: Mapping[str, Array | Tensor], metadata: Mapping[str, str] | None = None) -> None:
    """Write ``state_dict`` (name -> array) to ``path`` in safetensors format, with optional string metadata.

    Arrays are written bit for bit with their dtype and shape; tensors are
    saved as their arrays.  Metadata keys and values must be strings (encode
    anything else, e.g. with ``json.dumps``).  The write is atomic whatever
    the safetensors version: a temporary file in the same folder, fsync, then
    ``os.replace``; on any failure, Ctrl-C or SIGTERM the temporary is removed
    and an older file at ``path`` stays whole.  The mode follows the umask.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(text("checkpoint.save.path", kind=type(path).__name__))
    if not isinstance(state_dict, Mapping):
        hint = "model.state_dict()" if hasattr(state_dict, "state_dict") else text("checkpoint.save.hint_mapping")
        raise TypeError(text("checkpoint.save.state_dict", kind=type(state_dict).__name__, hint=hint))
    arrays: dict[str, Array] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(text("checkpoint.save.key", key=key, kind=type(key).__name__))
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            raise TypeError(text("checkpoint.save.value", key=key, kind=type(value).__name__))
        if array.dtype.kind not in "biuf":
            raise TypeError(text("checkpoint.save.dtype", key=key, dtype=array.dtype))
        # safetensors writes the raw buffer, so it must be C-ordered (np.ascontiguousarray would make 0-d 1-d)
        arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")
    meta = dict(metadata or {})
    for k, v in meta.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(text("checkpoint.save.metadata", key=k, kind=type(v).__name__))
    target = os.fspath(path)
    if os.path.isdir(target):
        raise IsADirectoryError(text("checkpoint.save.directory", target=target))
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(text("checkpoint.save.no_folder", folder=folder))
    payload = _safetensors_numpy().save(arrays, metadata=meta or None)
    _write_atomically(target, payload)


class _Terminated(BaseException):
    """SIGTERM arrived while a checkpoint was being written: unwinds the write so that its temporary goes."""


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Inside the block SIGTERM raises :class:`_Terminated`; after the cleanup it is delivered again as before.

    Python's default for SIGTERM ends the process at once, skipping every
    ``finally``: a half-written temporary file would stay.  Signal handlers can
    only be set from the main thread; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN:
        yield
        return

    def unwind(signum: int, frame: Any) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, previous)
        os.kill(os.getpid(), signal.SIGTERM)  # as if it had arrived now: the default ends the process
        raise  # a handler of the caller's own that returned: the save still did not happen
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_atomically(target: str, payload: bytes) -> None:
    """Write ``payload`` to ``target`` whole or not at all: a temporary file in the same folder, fsync, rename.

    A reader (or a crash) sees either the old file or the new one, never a
    truncated mix; the temporary is removed on any failure, Ctrl-C and SIGTERM
    included.  The file is created with mode 0666 less the umask, as ``open``
    creates any file (0644 under the usual umask 022).
    """
    folder = os.path.dirname(target) or "."
    temporary = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    with _sigterm_unwinds():
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, target)
        except BaseException:
            with _suppress_os_error():
                os.unlink(temporary)
            raise
    with _suppress_os_error():  # make the rename itself durable; not every system can open a folder
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextmanager
def _suppress_os_error() -> Iterator[None]:
    try:
        yield
    except OSError:
        pass


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
        raise CheckpointError(path, text("checkpoint.reason.safetensors_failed", detail=error)) from error
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
        text("checkpoint.mismatch.shape", key=k, found=tuple(found[k].shape), expected=tuple(expected[k]))
        for k in expected
        if k in found and tuple(found[k].shape) != tuple(expected[k])
    ]
    problems = []
    if strict and missing:
        problems.append(text("checkpoint.mismatch.missing", keys=", ".join(missing)))
    if strict and unexpected:
        problems.append(text("checkpoint.mismatch.unexpected", keys=", ".join(unexpected)))
    if mismatched:
        problems.append(text("checkpoint.mismatch.shapes", shapes="; ".join(mismatched)))
    if problems:
        where = f" {source!r}" if source else ""
        hint = text("checkpoint.mismatch_hint") if not mismatched else ""
        raise CheckpointMismatchError(
            text("checkpoint.mismatch", where=where, problems="\n  ".join(problems), hint=hint)
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
            text("checkpoint.load_into.swapped")
            if swapped
            else text("checkpoint.load_into.not_module", kind=type(module).__name__)
        )
    arrays = load(path)
    shapes = {k: v.shape for k, v in module.state_dict().items()}
    check_compatible(shapes, arrays, strict, source=os.fspath(path))
    return module.load_state_dict(arrays, strict=strict)
