"""minigrad.checkpoint: bit-exact safetensors round trips, metadata, and mismatch errors that list everything."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.torch import load_file as torch_load_file

from minigrad import Tensor, checkpoint, nn
from minigrad.checkpoint import CheckpointMismatchError


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
