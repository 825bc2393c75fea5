"""minigrad.checkpoint: bit-exact safetensors round trips, metadata, and mismatch errors that list everything."""

from __future__ import annotations

import json
import os
import signal
import stat
import struct
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.torch import load_file as torch_load_file

from minigrad import Tensor, checkpoint, nn
from minigrad.checkpoint import CheckpointError, CheckpointMismatchError


def awkward_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, np.finfo(np.float64).max, 1 / 3])
    return {
        "layer.0.weight": rng.normal(size=(4, 3)),
        "layer.0.bias": rng.normal(size=(4,)).astype(np.float32),
        "specials": specials,
        "transposed": rng.normal(size=(3, 5)).T,  # not C-contiguous
        "scalar": np.array(2.5),
        "counts": np.arange(6, dtype=np.int64).reshape(2, 3),
        "mask": np.array([True, False, True]),
        "empty": np.zeros((0, 3)),
    }


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.ascontiguousarray(a).tobytes() == b.tobytes()


def test_round_trip_is_bit_exact(tmp_path: Path) -> None:
    arrays = awkward_arrays()
    path = tmp_path / "state.safetensors"
    checkpoint.save(path, arrays, metadata={"config": json.dumps({"hidden": 8}), "note": "é"})
    loaded = checkpoint.load(path)
    assert sorted(loaded) == sorted(arrays)
    for key, array in arrays.items():
        assert same_bits(array, loaded[key]), key
    assert loaded["counts"].flags.writeable  # a loaded array can be trained on
    assert checkpoint.load_metadata(path) == {"config": '{"hidden": 8}', "note": "é"}


def test_file_is_plain_safetensors_readable_elsewhere(tmp_path: Path) -> None:
    """The header is 8 little-endian bytes of length, then JSON: no pickle. PyTorch's reader agrees on the values."""
    arrays = awkward_arrays()
    del arrays["mask"], arrays["empty"]
    path = tmp_path / "state.safetensors"
    checkpoint.save(path, arrays)
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    assert (header["layer.0.weight"]["dtype"], header["layer.0.weight"]["shape"]) == ("F64", [4, 3])
    assert (header["layer.0.bias"]["dtype"], header["scalar"]["shape"]) == ("F32", [])
    by_torch = torch_load_file(str(path))
    for key, array in arrays.items():
        assert same_bits(array, by_torch[key].numpy()), key


def test_tensors_can_be_saved(tmp_path: Path) -> None:
    t = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    checkpoint.save(tmp_path / "t.safetensors", {"t": t})
    assert same_bits(t.data, checkpoint.load(tmp_path / "t.safetensors")["t"])


@pytest.mark.parametrize(
    ("state", "metadata", "message"),
    [
        ({"a": [1.0, 2.0]}, None, "values must be NumPy arrays or Tensors"),
        ({1: np.zeros(2)}, None, "keys must be strings"),
        ({"a": np.array(["x"])}, None, "cannot store"),
        ({"a": np.zeros(2)}, {"epochs": 3}, "metadata must map strings to strings"),
    ],
)
def test_save_rejects_bad_input(
    tmp_path: Path, state: dict[Any, Any], metadata: dict[str, Any] | None, message: str
) -> None:
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=message):
        checkpoint.save(path, state, metadata=metadata)
    assert not path.exists()


def test_load_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nothere"):
        checkpoint.load(tmp_path / "nothere.safetensors")


def mlp(hidden: int, out: int = 2) -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, out))


def test_load_into_restores_a_module_exactly(tmp_path: Path) -> None:
    nn.init.manual_seed(0)
    source = mlp(4)
    nn.init.manual_seed(1)
    target = mlp(4)
    weight = target[0].weight
    path = tmp_path / "m.safetensors"
    checkpoint.save(path, source.state_dict())
    result = checkpoint.load_into(target, path)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert target[0].weight is weight  # loaded in place: an optimizer holding it sees the new values
    for key, array in source.state_dict().items():
        assert same_bits(array, target.state_dict()[key]), key
    x = np.random.default_rng(0).normal(size=(5, 3))
    assert np.array_equal(source(Tensor(x)).data, target(Tensor(x)).data)


def test_load_into_lists_every_problem_and_changes_nothing(tmp_path: Path) -> None:
    nn.init.manual_seed(0)
    saved = mlp(4).state_dict()
    saved["extra.weight"] = np.zeros(3)
    del saved["2.bias"]
    path = tmp_path / "m.safetensors"
    checkpoint.save(path, saved)
    target = mlp(5)  # hidden 5: three shapes differ
    before = target.state_dict()
    with pytest.raises(CheckpointMismatchError) as info:
        checkpoint.load_into(target, path)
    message = str(info.value)
    assert "m.safetensors" in message
    assert "missing keys (in the model, not in the checkpoint): 2.bias" in message
    assert "unexpected keys (in the checkpoint, not in the model): extra.weight" in message
    assert "0.weight: checkpoint (4, 3), model (5, 3)" in message
    assert "0.bias: checkpoint (4,), model (5,)" in message
    assert "2.weight: checkpoint (2, 4), model (2, 5)" in message
    for key, array in before.items():
        assert same_bits(array, target.state_dict()[key]), key


def test_load_into_non_strict_skips_keys_but_not_shapes(tmp_path: Path) -> None:
    nn.init.manual_seed(0)
    source = mlp(4)
    saved = source.state_dict()
    saved["extra"] = np.ones(2)
    del saved["2.bias"]
    path = tmp_path / "m.safetensors"
    checkpoint.save(path, saved)
    nn.init.manual_seed(1)
    target = mlp(4)
    kept_bias = target[2].bias.data.copy()
    missing, unexpected = checkpoint.load_into(target, path, strict=False)
    assert list(missing) == ["2.bias"] and list(unexpected) == ["extra"]
    assert same_bits(saved["0.weight"], target[0].weight.data)
    assert same_bits(kept_bias, target[2].bias.data)
    with pytest.raises(CheckpointMismatchError, match=r"shape mismatches: 0\.weight"):
        checkpoint.load_into(mlp(6), path, strict=False)


# --------------------------------------------------------------------------- a file is data: hostile input (issue 19)


def write_raw(path: Path, header: bytes, data: bytes = b"", announced: int | None = None) -> Path:
    length = len(header) if announced is None else announced
    path.write_bytes(struct.pack("<Q", length) + header + data)
    return path


def run_with_deadline(call: Any, seconds: float = 10.0) -> BaseException | None:
    """Run ``call`` in a thread; return what it raised (None if nothing), failing if it has not ended in time."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome[0] if outcome else TimeoutError(f"still running after {seconds} s")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("reader", ["load", "load_metadata", "array_shapes"])
def test_a_named_pipe_is_refused_without_opening_it(tmp_path: Path, reader: str) -> None:
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    outcome = run_with_deadline(lambda: getattr(checkpoint, reader)(fifo))
    if isinstance(outcome, TimeoutError):  # release the blocked open, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"checkpoint.{reader} hangs on a named pipe")
    assert isinstance(outcome, CheckpointError)
    assert "is a named pipe (FIFO), not a regular file" in str(outcome)


def test_a_header_over_the_safetensors_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.safetensors"
    announced = 300_000_000
    with open(path, "wb") as f:  # a sparse file as long as its header claims: no disk space used
        f.write(struct.pack("<Q", announced) + b"{")
        f.truncate(8 + announced + 16)
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"header of 300,000,000 bytes, over safetensors' limit"):
            checkpoint.load_metadata(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"{peak:,} bytes allocated for a header that is refused"


HOSTILE_HEADERS = {
    "100,000-deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "100,000-deep objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "5,000-digit integer": b'{"w": {"dtype": "F32", "shape": [1' + b"0" * 5000 + b'], "data_offsets": [0, 4]}}',
    "5,000-digit offset": b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4' + b"0" * 5000 + b"]}}",
    "a list": b"[1, 2, 3]",
    "a string": b'"model"',
    "metadata a list": b'{"__metadata__": ["config"]}',
    "metadata values not strings": b'{"__metadata__": {"hidden": 8}}',
    "entry a number": b'{"w": 5}',
    "shape a string": b'{"w": {"dtype": "F32", "shape": "3", "data_offsets": [0, 12]}}',
    "shape of booleans": b'{"w": {"dtype": "F32", "shape": [true], "data_offsets": [0, 4]}}',
    "offsets floats": b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}}',
    "dtype unknown": b'{"w": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}',
    "not UTF-8": b'{"\xff": 1}',
    "NaN": b'{"w": NaN}',
    "huge shape": b'{"w": {"dtype": "F64", "shape": [1000000000, 1000000000], "data_offsets": [0, 8]}}',
    "truncated JSON": b'{"w": {"dtype": "F32"',
}


@pytest.mark.parametrize("name", list(HOSTILE_HEADERS))
def test_hostile_headers_give_one_checkpoint_error_with_a_reason(tmp_path: Path, name: str) -> None:
    path = write_raw(tmp_path / "hostile.safetensors", HOSTILE_HEADERS[name], data=b"\0" * 4)
    for reader in (checkpoint.load_metadata, checkpoint.load, checkpoint.array_shapes):
        with pytest.raises(CheckpointError) as info:
            reader(path)
        assert type(info.value) is CheckpointError
        reason = info.value.reason
        assert reason and "Traceback" not in reason and len(reason) < 400, reason


def tiny_mlp_file(tmp_path: Path, metadata: dict[str, str]) -> Path:
    nn.init.manual_seed(0)
    path = tmp_path / "tiny.safetensors"
    checkpoint.save(path, mlp(4).state_dict(), metadata=metadata)
    return path


def test_sizes_the_metadata_claims_are_checked_against_the_arrays_before_anything_is_built(tmp_path: Path) -> None:
    path = tiny_mlp_file(tmp_path, {"config": json.dumps({"hidden": 10**9})})
    assert path.stat().st_size < 2048
    hidden = checkpoint.metadata_json(path, checkpoint.load_metadata(path), "config")["hidden"]
    planned = {"0.weight": (hidden, 3), "0.bias": (hidden,), "2.weight": (2, hidden), "2.bias": (2,)}
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError) as info:
            checkpoint.check_claimed_shapes(path, planned, claims=f"hidden={hidden}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    message = str(info.value)
    assert "hidden=1000000000" in message and "nothing was built" in message
    assert "0.weight: the metadata implies (1000000000, 3), the file holds (4, 3)" in message
    checkpoint.check_claimed_shapes(path, {"0.weight": (4, 3), "0.bias": (4,), "2.weight": (2, 4), "2.bias": (2,)})


def test_claimed_widths_must_be_axes_of_the_arrays_in_the_file(tmp_path: Path) -> None:
    path = tiny_mlp_file(tmp_path, {})
    checkpoint.check_claimed_sizes(path, {"hidden": 4, "n_features": 3, "n_classes": 2})
    tracemalloc.start()
    try:
        with pytest.raises(
            CheckpointError, match=r"claims hidden=1000000000, n_classes=7, but no array .* longest is 4"
        ):
            checkpoint.check_claimed_sizes(path, {"hidden": 10**9, "n_features": 3, "n_classes": 7})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_tampered_metadata_says_what_is_missing(tmp_path: Path) -> None:
    path = tiny_mlp_file(tmp_path, {"format": "minigrad-train-1", "config": "{not json"})
    metadata = checkpoint.load_metadata(path)
    fields = {"format": "the file format", "config": "the training configuration", "feature_names": "the inputs"}
    with pytest.raises(CheckpointError, match=r"lacks 'feature_names' \(the inputs\); it holds \['config', 'format'\]"):
        checkpoint.require_metadata(path, metadata, fields)
    with pytest.raises(CheckpointError, match=r"metadata 'config' is not valid JSON"):
        checkpoint.metadata_json(path, metadata, "config")
    with pytest.raises(CheckpointError, match=r"lacks 'val_accuracy'"):
        checkpoint.metadata_json(path, metadata, "val_accuracy")


# --------------------------------------------------------------------------- saving owns its atomicity


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_save_keeps_the_old_checkpoint_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    path = tmp_path / "model.safetensors"
    checkpoint.save(path, {"w": np.arange(3.0)})
    before = path.read_bytes()

    def fail(fd: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(failure)):
        checkpoint.save(path, {"w": np.zeros(1000)})
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_file_mode_follows_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        checkpoint.save(tmp_path / "m.safetensors", {"w": np.zeros(2)})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "m.safetensors").stat().st_mode) == mode


SAVE_IN_CHILD = """
import os, sys, time
import numpy as np
from minigrad import checkpoint

real_fsync = os.fsync

def fsync_slowly(fd):  # holds the save with its temporary file complete on disk, so that SIGTERM lands inside it
    print("writing", flush=True)
    time.sleep(60)
    real_fsync(fd)

os.fsync = fsync_slowly
checkpoint.save(sys.argv[1], {"w": np.ones((2048, 2048))})  # 32 MiB
print("saved", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_sigterm_while_saving_removes_the_temporary_and_keeps_the_old_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    checkpoint.save(path, {"w": np.arange(3.0)})
    before = path.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", SAVE_IN_CHILD, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        assert len(leftovers(tmp_path)) == 1  # the temporary, next to the checkpoint
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGTERM  # still ended by the signal, as without the cleanup
    assert leftovers(tmp_path) == []
    assert path.read_bytes() == before
