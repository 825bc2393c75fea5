"""Bad input at the library's edges: checkpoints, optimizers, schedulers, clipping, nn layers and the command line.

Each case asserts the exception type and that the message names the cause
(the file, the argument and its value, the layer and the sizes).  Where
PyTorch or safetensors is the reference, the case also checks that the
reference refuses the same input, so that we never refuse what is valid.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
import torch

from minigrad import Tensor, checkpoint, cli, nn, optim
from minigrad.checkpoint import CheckpointError, CheckpointNotFoundError

# ---------------------------------------------------------------------------------------------- checkpoints


def good_file(tmp_path: Path) -> Path:
    nn.init.manual_seed(0)
    path = tmp_path / "good.safetensors"
    checkpoint.save(path, nn.Linear(3, 2).state_dict(), metadata={"epochs": "3"})
    return path


def with_header(tmp_path: Path, name: str, header: dict[str, Any], data: bytes) -> Path:
    """A file laid out as safetensors: 8 bytes of header length, the JSON header, the data."""
    raw = json.dumps(header).encode()
    path = tmp_path / name
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path


def split(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + length]), raw[8 + length :]


def truncated(tmp_path: Path) -> Path:
    raw = good_file(tmp_path).read_bytes()
    path = tmp_path / "truncated.safetensors"
    path.write_bytes(raw[:-5])
    return path


def pickled(tmp_path: Path) -> Path:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"weight": np.zeros((2, 3))}))
    return path


def huge_header(tmp_path: Path) -> Path:
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 2**63) + b"{}")
    return path


def offsets_past_the_end(tmp_path: Path) -> Path:
    header, data = split(good_file(tmp_path))
    header["weight"]["data_offsets"] = [16, 10**6]
    return with_header(tmp_path, "offsets.safetensors", header, data)


def offsets_with_a_gap(tmp_path: Path) -> Path:
    header, data = split(good_file(tmp_path))
    begin, end = header["bias"]["data_offsets"]
    header["bias"]["data_offsets"] = [begin + 8, end + 8]  # same size, shifted: overlaps the weight
    return with_header(tmp_path, "gap.safetensors", header, data)


def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a checkpoint\n")
    return path


def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"")
    return path


def header_not_json(tmp_path: Path) -> Path:
    path = tmp_path / "garbled.safetensors"
    path.write_bytes(struct.pack("<Q", 4) + b"\xff\xfe{}")
    return path


def header_a_list(tmp_path: Path) -> Path:
    return with_header(tmp_path, "list.safetensors", [], b"")  # type: ignore[arg-type]


def dtype_numpy_cannot_hold(tmp_path: Path) -> Path:
    return with_header(
        tmp_path, "bf16.safetensors", {"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4
    )


def metadata_not_strings(tmp_path: Path) -> Path:
    return with_header(tmp_path, "meta.safetensors", {"__metadata__": {"epochs": 3}}, b"")


def directory(tmp_path: Path) -> Path:
    path = tmp_path / "run"
    path.mkdir()
    return path


BAD_FILES: list[tuple[Callable[[Path], Path], str]] = [
    (truncated, r"the header describes 64 bytes of array data, but the file holds 59"),
    (pickled, r"it is a pickle \(pickle.dump, or an old torch.save\), which minigrad never loads"),
    (
        huge_header,
        r"the first 8 bytes announce a header of 9,223,372,036,854,775,808 bytes, over safetensors' limit of "
        r"100,000,000 \(a damaged or hostile file\); it was not read",
    ),
    (
        offsets_past_the_end,
        r"array 'weight' has data_offsets \[16, 1000000\] \(999984 bytes\), but F64 of shape \(2, 3\) needs 48",
    ),
    (offsets_with_a_gap, r"the arrays' data_offsets leave a gap or overlap at byte 0"),
    (text_file, r"the first 8 bytes announce a header of [\d,]+ bytes, over safetensors' limit of 100,000,000"),
    (empty_file, r"the file has 0 bytes, fewer than the 8-byte header length"),
    (header_not_json, r"its header is not valid UTF-8"),
    (header_a_list, r"its header is JSON but not an object \(it is a list\)"),
    (dtype_numpy_cannot_hold, r"array 'w' has dtype 'BF16'; NumPy can read BOOL"),
    (metadata_not_strings, r"its __metadata__ is not a mapping of strings to strings"),
]


@pytest.mark.parametrize(("make", "reason"), BAD_FILES, ids=[make.__name__ for make, _ in BAD_FILES])
def test_a_bad_checkpoint_names_the_file_and_the_reason(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    path = make(tmp_path)
    for read in (checkpoint.load, checkpoint.load_metadata):
        with pytest.raises(CheckpointError, match=r"is not a valid safetensors checkpoint: " + reason) as info:
            read(path)
        assert str(path) in str(info.value)


@pytest.mark.parametrize("make", [make for make, _ in BAD_FILES if make is not metadata_not_strings])
def test_safetensors_refuses_the_same_files(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    """The reference reader refuses each of them too: our checks reject nothing that is a valid file."""
    with pytest.raises(Exception):
        safetensors.numpy.load_file(str(make(tmp_path)))


def test_a_good_file_passes_the_same_checks(tmp_path: Path) -> None:
    path = good_file(tmp_path)
    assert sorted(checkpoint.load(path)) == sorted(safetensors.numpy.load_file(str(path)))
    assert checkpoint.load_metadata(path) == {"epochs": "3"}


def test_a_directory_is_a_checkpoint_error(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"'.*run' is not a valid safetensors checkpoint: it is a directory"):
        checkpoint.load(directory(tmp_path))


def test_a_missing_file_is_a_checkpoint_error_and_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(CheckpointNotFoundError, match=r"nothere.safetensors' is not a valid .*: there is no such file"):
        checkpoint.load(tmp_path / "nothere.safetensors")
    assert issubclass(CheckpointNotFoundError, FileNotFoundError) and issubclass(CheckpointError, ValueError)


@pytest.mark.parametrize("make", [truncated, pickled, offsets_with_a_gap, directory])
def test_load_into_changes_nothing_on_a_bad_file(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    model = nn.Linear(3, 2)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError):
        checkpoint.load_into(model, make(tmp_path))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_save_names_a_missing_folder_and_a_directory(tmp_path: Path) -> None:
    state = nn.Linear(3, 2).state_dict()
    with pytest.raises(FileNotFoundError, match=r"checkpoint.save: the folder '.*nowhere' does not exist"):
        checkpoint.save(tmp_path / "nowhere" / "m.safetensors", state)
    with pytest.raises(IsADirectoryError, match=r"checkpoint.save: '.*' is a directory; give a file name"):
        checkpoint.save(tmp_path, state)


def test_swapped_or_wrong_arguments_to_save_and_load_into(tmp_path: Path) -> None:
    model = nn.Linear(3, 2)
    path = good_file(tmp_path)
    with pytest.raises(
        TypeError, match=r"checkpoint.save: path must be a file name, got dict; call save\(path, state_dict\)"
    ):
        checkpoint.save(model.state_dict(), path)  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match=r"state_dict must be a mapping of names to arrays, got Linear; pass model.state_dict\(\)"
    ):
        checkpoint.save(tmp_path / "m.safetensors", model)  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match=r"checkpoint.load_into: the arguments are swapped; call load_into\(model, path\)"
    ):
        checkpoint.load_into(path, model)  # type: ignore[arg-type]
    assert not (tmp_path / "m.safetensors").exists()


# ---------------------------------------------------------------------------------------------- optimizers


def params() -> list[Tensor]:
    nn.init.manual_seed(0)
    return list(nn.Linear(3, 2).parameters())


def torch_params() -> list[torch.Tensor]:
    return list(torch.nn.Linear(3, 2).parameters())


def test_a_model_instead_of_its_parameters() -> None:
    model = nn.Linear(3, 2)
    with pytest.raises(
        TypeError,
        match=r"SGD: params must be the tensors to update, got the module Linear itself; pass model\.parameters\(\)",
    ):
        optim.SGD(model, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        torch.optim.SGD(torch.nn.Linear(3, 2), lr=0.1)  # type: ignore[arg-type]


def test_a_used_up_generator_says_so() -> None:
    model = nn.Linear(3, 2)
    generator = model.parameters()
    optim.SGD(generator, lr=0.1)
    with pytest.raises(
        ValueError, match=r"empty parameter list from an iterator.*used up.*list\(model\.parameters\(\)\)"
    ):
        optim.Adam(generator)
    torch_generator = torch.nn.Linear(3, 2).parameters()
    torch.optim.SGD(torch_generator, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        torch.optim.Adam(torch_generator)


# (make ours, make torch's or None where torch accepts the input, error type, message)
OPTIMIZER_CASES: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None, type[Exception], str]] = [
    (
        "lr str",
        lambda p: optim.SGD(p, lr="x"),
        lambda p: torch.optim.SGD(p, lr="x"),
        TypeError,
        r"SGD: learning rate lr must be a finite number >= 0, got 'x' \(str\)",
    ),
    (
        "lr negative",
        lambda p: optim.Adam(p, lr=-1e-3),
        lambda p: torch.optim.Adam(p, lr=-1e-3),
        ValueError,
        r"Adam: invalid learning rate lr=-0.001",
    ),
    (
        "weight_decay str",
        lambda p: optim.SGD(p, lr=0.1, weight_decay="x"),
        lambda p: torch.optim.SGD(p, lr=0.1, weight_decay="x"),
        TypeError,
        r"SGD: weight_decay must be a finite number >= 0, got 'x'",
    ),
    (
        "weight_decay negative",
        lambda p: optim.AdamW(p, weight_decay=-0.1),
        lambda p: torch.optim.AdamW(p, weight_decay=-0.1),
        ValueError,
        r"AdamW: invalid weight_decay=-0.1",
    ),
    (
        "momentum str",
        lambda p: optim.SGD(p, lr=0.1, momentum="0.9"),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum="0.9"),
        TypeError,
        r"SGD: momentum must be a finite number >= 0, got '0.9'",
    ),
    (
        "momentum negative",
        lambda p: optim.SGD(p, lr=0.1, momentum=-0.9),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=-0.9),
        ValueError,
        r"SGD: invalid momentum=-0.9",
    ),
    (
        "betas a number",
        lambda p: optim.Adam(p, betas=0.9),
        lambda p: torch.optim.Adam(p, betas=0.9),
        TypeError,
        r"Adam: betas must be a pair \(beta1, beta2\), e.g. \(0.9, 0.999\), got 0.9",
    ),
    (
        "betas of one",
        lambda p: optim.Adam(p, betas=(0.9,)),
        lambda p: torch.optim.Adam(p, betas=(0.9,)),
        TypeError,
        r"Adam: betas must be a pair",
    ),
    (
        "beta str",
        lambda p: optim.Adam(p, betas=("a", 0.999)),
        lambda p: torch.optim.Adam(p, betas=("a", 0.999)),
        TypeError,
        r"Adam: betas\[0\] must be a finite number >= 0 and < 1, got 'a'",
    ),
    (
        "beta 1",
        lambda p: optim.Adam(p, betas=(0.9, 1.0)),
        lambda p: torch.optim.Adam(p, betas=(0.9, 1.0)),
        ValueError,
        r"Adam: invalid betas\[1\]=1.0",
    ),
    (
        "eps str",
        lambda p: optim.Adam(p, eps="tiny"),
        lambda p: torch.optim.Adam(p, eps="tiny"),
        TypeError,
        r"Adam: eps must be a finite number >= 0, got 'tiny'",
    ),
    (
        "eps negative",
        lambda p: optim.Adam(p, eps=-1e-8),
        lambda p: torch.optim.Adam(p, eps=-1e-8),
        ValueError,
        r"Adam: invalid eps=-1e-08",
    ),
    (
        "None",
        lambda p: optim.SGD(None, lr=0.1),
        lambda p: torch.optim.SGD(None, lr=0.1),
        TypeError,
        r"SGD: params must be an iterable of tensors \(e.g. model.parameters\(\)\), got NoneType",
    ),
    (
        "numbers",
        lambda p: optim.SGD([1.0, 2.0], lr=0.1),
        lambda p: torch.optim.SGD([1.0, 2.0], lr=0.1),
        TypeError,
        r"SGD: parameter 0 is of type float, not a minigrad Tensor",
    ),
    (
        "empty list",
        lambda p: optim.SGD([], lr=0.1),
        lambda p: torch.optim.SGD([], lr=0.1),
        ValueError,
        r"SGD: got an empty parameter list; pass model.parameters\(\)",
    ),
    (
        "non-leaf",
        lambda p: optim.SGD([p[0] * 2], lr=0.1),
        lambda p: torch.optim.SGD([p[0] * 2], lr=0.1),
        ValueError,
        r"SGD: parameter 0 \(shape \(2, 3\)\) is not a leaf tensor",
    ),
    # stricter than PyTorch (which accepts, or warns): a frozen tensor given to an optimizer, a repeated one, a typo
    (
        "no grad",
        lambda p: optim.SGD([Tensor(np.zeros(3))], lr=0.1),
        None,
        ValueError,
        r"SGD: parameter 0 \(shape \(3,\)\) does not require grad",
    ),
    (
        "twice",
        lambda p: optim.SGD([p[0], p[1], p[0]], lr=0.1),
        None,
        ValueError,
        r"SGD: parameter 2 \(shape \(2, 3\)\) appears twice",
    ),
    (
        "misspelt option",
        lambda p: optim.SGD([{"params": p, "momentun": 0.9}], lr=0.1),
        None,
        TypeError,
        r"SGD: unknown option\(s\) 'momentun' in a parameter group; SGD takes lr, momentum",
    ),
    (
        "nesterov str",
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov="yes"),
        None,
        TypeError,
        r"SGD: nesterov must be True or False, got 'yes'",
    ),
]


@pytest.mark.parametrize(
    ("make", "make_torch", "error", "message"),
    [case[1:] for case in OPTIMIZER_CASES],
    ids=[case[0] for case in OPTIMIZER_CASES],
)
def test_optimizer_arguments(make: Any, make_torch: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make(params())
    if make_torch is not None:
        with pytest.raises((TypeError, ValueError, IndexError)):
            make_torch(torch_params())


def test_load_state_dict_of_something_else() -> None:
    opt = optim.SGD(params(), lr=0.1, momentum=0.9)
    with pytest.raises(
        TypeError, match=r"SGD.load_state_dict: expected the dict that optimizer.state_dict\(\) returns, got list"
    ):
        opt.load_state_dict([])  # type: ignore[arg-type]
    scheduler = optim.LinearLR(opt)
    with pytest.raises(
        TypeError, match=r"LinearLR.load_state_dict: expected the dict that scheduler.state_dict\(\) returns"
    ):
        scheduler.load_state_dict(opt.state_dict())
    assert scheduler.last_epoch == 0


def test_a_bad_lr_assignment_changes_nothing() -> None:
    opt = optim.SGD(params(), lr=0.1)
    with pytest.raises(TypeError, match=r"SGD: learning rate lr must be a finite number >= 0, got '0.2' \(str\)"):
        opt.lr = "0.2"  # type: ignore[assignment]
    assert opt.lr == 0.1


SCHEDULER_CASES: list[tuple[str, Callable[[optim.Optimizer], Any], type[Exception], str]] = [
    (
        "model",
        lambda o: optim.LinearLR(nn.Linear(2, 2)),
        TypeError,
        r"LinearLR: expected a minigrad.optim.Optimizer .*got Linear",
    ),  # type: ignore[arg-type]
    (
        "start_factor str",
        lambda o: optim.LinearLR(o, start_factor="x"),
        TypeError,
        r"LinearLR: start_factor must be a finite number > 0 and <= 1, got 'x'",
    ),
    (
        "start_factor 0",
        lambda o: optim.LinearLR(o, start_factor=0.0),
        ValueError,
        r"LinearLR: invalid start_factor=0.0",
    ),
    (
        "total_iters 2.5",
        lambda o: optim.LinearLR(o, total_iters=2.5),
        ValueError,
        r"LinearLR: invalid total_iters=2.5; it must be a whole number of steps >= 1",
    ),
    (
        "total_iters str",
        lambda o: optim.LinearLR(o, total_iters="5"),
        TypeError,
        r"LinearLR: total_iters must be a finite number >= 1, got '5'",
    ),
    ("T_max 0", lambda o: optim.CosineAnnealingLR(o, T_max=0), ValueError, r"CosineAnnealingLR: invalid T_max=0"),
    (
        "eta_min negative",
        lambda o: optim.CosineAnnealingLR(o, T_max=5, eta_min=-1.0),
        ValueError,
        r"CosineAnnealingLR: invalid eta_min=-1.0",
    ),
    (
        "warmup None",
        lambda o: optim.WarmupCosine(o, warmup_steps=None, total_steps=10),
        TypeError,
        r"WarmupCosine: warmup_steps must be a finite number >= 1, got None",
    ),
    (
        "total <= warmup",
        lambda o: optim.WarmupCosine(o, warmup_steps=10, total_steps=5),
        ValueError,
        r"WarmupCosine: total_steps=5 must be larger than warmup_steps=10",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "message"), [case[1:] for case in SCHEDULER_CASES], ids=[case[0] for case in SCHEDULER_CASES]
)
def test_scheduler_arguments(make: Any, error: type[Exception], message: str) -> None:
    opt = optim.SGD(params(), lr=0.1)
    with pytest.raises(error, match=message):
        make(opt)
    assert opt.lr == 0.1  # nothing was applied


CLIP_CASES: list[tuple[str, dict[str, Any], type[Exception], str, bool]] = [
    # (id, arguments, error, message, does torch raise too)
    (
        "max_norm str",
        {"max_norm": "one"},
        TypeError,
        r"clip_grad_norm_: max_norm must be a finite number >= 0, got 'one'",
        True,
    ),
    ("max_norm negative", {"max_norm": -1.0}, ValueError, r"clip_grad_norm_: invalid max_norm=-1.0", False),
    ("max_norm nan", {"max_norm": float("nan")}, ValueError, r"clip_grad_norm_: invalid max_norm=nan", False),
    (
        "norm_type str",
        {"max_norm": 1.0, "norm_type": "two"},
        TypeError,
        r"clip_grad_norm_: norm_type must be a number > 0, got 'two'",
        True,
    ),
    (
        "norm_type 0",
        {"max_norm": 1.0, "norm_type": 0},
        ValueError,
        r"clip_grad_norm_: invalid norm_type=0; it must be a number > 0",
        False,
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "error", "message", "torch_raises"), [c[1:] for c in CLIP_CASES], ids=[c[0] for c in CLIP_CASES]
)
def test_clip_grad_norm_arguments(
    kwargs: dict[str, Any], error: type[Exception], message: str, torch_raises: bool
) -> None:
    ps = params()
    for p in ps:
        p.grad = np.ones(p.shape)
    with pytest.raises(error, match=message):
        optim.clip_grad_norm_(ps, **kwargs)
    for p in ps:  # no gradient was scaled
        assert p.grad is not None and np.all(p.grad == 1.0)
    tps = torch_params()
    for p in tps:
        p.grad = torch.ones_like(p)
    if torch_raises:
        with pytest.raises((TypeError, ValueError)):
            torch.nn.utils.clip_grad_norm_(tps, **kwargs)


def test_clip_grad_norm_given_a_model() -> None:
    with pytest.raises(
        TypeError,
        match=r"clip_grad_norm_: parameters must be tensors, got the module Linear itself; pass model\.parameters\(\)",
    ):
        optim.clip_grad_norm_(nn.Linear(3, 2), 1.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- nn layers

# (id, ours, torch's or None where torch accepts it, error, message)
LAYER_CASES: list[tuple[str, Callable[[], Any], Callable[[], Any] | None, type[Exception], str]] = [
    (
        "Linear float size",
        lambda: nn.Linear(3.5, 2),
        lambda: torch.nn.Linear(3.5, 2),
        TypeError,
        r"Linear: in_features must be an int >= 1, got 3.5 \(float\)",
    ),
    (
        "Linear negative",
        lambda: nn.Linear(3, -2),
        lambda: torch.nn.Linear(3, -2),
        ValueError,
        r"Linear: out_features must be an int >= 1, got -2",
    ),
    ("Linear zero", lambda: nn.Linear(0, 3), None, ValueError, r"Linear: in_features must be an int >= 1, got 0"),
    (
        "Linear str",
        lambda: nn.Linear("3", 2),
        lambda: torch.nn.Linear("3", 2),
        TypeError,
        r"Linear: in_features must be an int >= 1, got '3' \(str\)",
    ),
    (
        "Linear bias str",
        lambda: nn.Linear(3, 2, bias="no"),
        None,
        TypeError,
        r"Linear: bias must be True or False, got 'no'",
    ),
    (
        "Linear int dtype",
        lambda: nn.Linear(3, 2, dtype=np.int32),
        None,
        TypeError,
        r"Linear: dtype must be a floating point type .*got dtype\('int32'\)",
    ),
    (
        "Linear dtype nonsense",
        lambda: nn.Linear(3, 2, dtype="float-ish"),
        None,
        TypeError,
        r"Linear: dtype must be a floating point type .*got 'float-ish'",
    ),
    (
        "Dropout 1.5",
        lambda: nn.Dropout(p=1.5),
        lambda: torch.nn.Dropout(p=1.5),
        ValueError,
        r"Dropout: invalid p=1.5; it must be a finite number >= 0 and < 1",
    ),
    (
        "Dropout str",
        lambda: nn.Dropout(p="half"),
        lambda: torch.nn.Dropout(p="half"),
        TypeError,
        r"Dropout: p must be a finite number >= 0 and < 1, got 'half'",
    ),
    (
        "LayerNorm float",
        lambda: nn.LayerNorm(3.5),
        lambda: torch.nn.LayerNorm(3.5),
        TypeError,
        r"LayerNorm: normalized_shape must be an int or a tuple/list of ints .*got 3.5 \(float\)",
    ),
    (
        "LayerNorm str",
        lambda: nn.LayerNorm("4"),
        lambda: torch.nn.LayerNorm("4"),
        TypeError,
        r"LayerNorm: normalized_shape must be an int or a tuple/list of ints .*got '4' \(str\)",
    ),
    (
        "LayerNorm None",
        lambda: nn.LayerNorm(None),
        lambda: torch.nn.LayerNorm(None),
        TypeError,
        r"LayerNorm: normalized_shape .*got None",
    ),
    (
        "LayerNorm element",
        lambda: nn.LayerNorm([2, 2.0]),
        lambda: torch.nn.LayerNorm([2, 2.0]),
        TypeError,
        r"LayerNorm: normalized_shape must be an int >= 1, got 2.0 \(float\)",
    ),
    (
        "LayerNorm zero",
        lambda: nn.LayerNorm(0),
        None,
        ValueError,
        r"LayerNorm: normalized_shape must be an int >= 1, got 0",
    ),
    (
        "LayerNorm eps str",
        lambda: nn.LayerNorm(4, eps="small"),
        None,
        TypeError,
        r"LayerNorm: eps must be a finite number >= 0, got 'small'",
    ),
    ("RMSNorm eps negative", lambda: nn.RMSNorm(4, eps=-1e-6), None, ValueError, r"RMSNorm: invalid eps=-1e-06"),
    (
        "BatchNorm momentum str",
        lambda: nn.BatchNorm1d(4, momentum="0.1"),
        None,
        TypeError,
        r"BatchNorm1d: momentum must be a finite number >= 0 and <= 1, got '0.1'",
    ),
    (
        "BatchNorm affine str",
        lambda: nn.BatchNorm1d(4, affine="False"),
        None,
        TypeError,
        r"BatchNorm1d: affine must be True or False, got 'False'",
    ),
    (
        "Embedding zero",
        lambda: nn.Embedding(0, 4),
        None,
        ValueError,
        r"Embedding: num_embeddings must be an int >= 1, got 0",
    ),
    (
        "Embedding float",
        lambda: nn.Embedding(10, 4.0),
        lambda: torch.nn.Embedding(10, 4.0),
        TypeError,
        r"Embedding: embedding_dim must be an int >= 1, got 4.0",
    ),
    (
        "CrossEntropyLoss ignore_index",
        lambda: nn.CrossEntropyLoss(ignore_index=0.5),
        None,
        TypeError,
        r"CrossEntropyLoss: ignore_index must be an int .*got 0.5",
    ),
    (
        "Flatten str",
        lambda: nn.Flatten("1"),
        None,
        TypeError,
        r"Flatten: start_dim must be an int \(an axis\), got '1'",
    ),
    (
        "Parameter requires_grad str",
        lambda: nn.Parameter([1.0], requires_grad="yes"),
        None,
        TypeError,
        r"Parameter: requires_grad must be True or False, got 'yes'",
    ),
    ("manual_seed negative", lambda: nn.init.manual_seed(-1), None, ValueError, r"manual_seed: seed must be >= 0"),
    (
        "uniform_ str",
        lambda: nn.init.uniform_(nn.Parameter(np.zeros(3)), "-1", 1),
        None,
        TypeError,
        r"uniform_: a must be a finite number, got '-1'",
    ),
]


@pytest.mark.parametrize(
    ("make", "make_torch", "error", "message"), [c[1:] for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES]
)
def test_layer_constructor_arguments(make: Any, make_torch: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()
    if make_torch is not None:  # we raise at least where PyTorch does
        with pytest.raises((TypeError, ValueError, RuntimeError)):
            make_torch()


FORWARD_CASES: list[tuple[str, Callable[[], Any], Callable[[], Any], type[Exception], str]] = [
    (
        "Linear features",
        lambda: nn.Linear(3, 2)(Tensor(np.ones((4, 5)))),
        lambda: torch.nn.Linear(3, 2)(torch.ones(4, 5)),
        ValueError,
        r"Linear: input of shape \(4, 5\) does not fit in_features=3: its last axis has size 5, expected 3",
    ),
    (
        "Linear 0-d",
        lambda: nn.Linear(3, 2)(Tensor(1.0)),
        lambda: torch.nn.Linear(3, 2)(torch.tensor(1.0)),
        ValueError,
        r"Linear: input of shape \(\) does not fit in_features=3: a 0-d input has no feature axis",
    ),
    (
        "Embedding id too large",
        lambda: nn.Embedding(4, 2)(np.array([1, 4])),
        lambda: torch.nn.Embedding(4, 2)(torch.tensor([1, 4])),
        IndexError,
        r"Embedding: id 4 is out of range for a table of 4 embeddings \(valid ids: 0 to 3\)",
    ),
    (
        "Embedding negative id",
        lambda: nn.Embedding(4, 2)([[0, -1]]),
        lambda: torch.nn.Embedding(4, 2)(torch.tensor([[0, -1]])),
        IndexError,
        r"Embedding: id -1 is out of range",
    ),
    (
        "Embedding float ids",
        lambda: nn.Embedding(4, 2)(Tensor([1.0, 2.0])),
        lambda: torch.nn.Embedding(4, 2)(torch.tensor([1.0, 2.0])),
        TypeError,
        r"Embedding: ids must be integers, got dtype float64; convert with \.astype\(np\.int64\)",
    ),
    (
        "LayerNorm shape",
        lambda: nn.LayerNorm(4)(Tensor(np.ones((2, 3)))),
        lambda: torch.nn.LayerNorm(4)(torch.ones(2, 3)),
        ValueError,
        r"LayerNorm: input of shape \(2, 3\) does not end with normalized_shape \(4,\)",
    ),
    (
        "BatchNorm channels",
        lambda: nn.BatchNorm1d(3)(Tensor(np.ones((4, 5)))),
        lambda: torch.nn.BatchNorm1d(3)(torch.ones(4, 5)),
        ValueError,
        r"BatchNorm1d: expected input of shape \(N, 3\) or \(N, 3, L\), got \(4, 5\)",
    ),
]


@pytest.mark.parametrize(
    ("make", "make_torch", "error", "message"), [c[1:] for c in FORWARD_CASES], ids=[c[0] for c in FORWARD_CASES]
)
def test_layer_forward_input(make: Any, make_torch: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()
    with pytest.raises((TypeError, ValueError, RuntimeError, IndexError)):
        make_torch()


# ---------------------------------------------------------------------------------------------- command line


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(checkpoint.__file__).parents[1])}
    env.pop("MINIGRAD_TRACEBACK", None)
    return subprocess.run(
        [sys.executable, "-m", "minigrad", *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["frobnicate"], "minigrad: error: unknown command 'frobnicate'"),
        (["breaks", "show", "no-such-break"], "unknown break 'no-such-break'"),
        (["breaks", "explode"], "invalid choice: 'explode'"),
        (["train", "--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
        (["train", "--eval", "."], "is not a valid safetensors checkpoint: it is a directory"),
        (
            ["train", "--eval", "missing.safetensors"],
            "'missing.safetensors' is not a valid safetensors checkpoint: there is no such file",
        ),
        (["experiment", "dropout"], "invalid choice: 'dropout'"),
    ],
)
def test_bad_command_lines_end_without_a_traceback(tmp_path: Path, args: list[str], expected: str) -> None:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert expected in result.stderr


def test_a_pickle_given_to_eval_is_refused_without_running_it(tmp_path: Path) -> None:
    path = pickled(tmp_path)
    result = run_cli("train", "--eval", str(path), cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"'{path}' is not a valid safetensors checkpoint" in result.stderr and "pickle" in result.stderr


def fails_like_a_user(argv: list[str]) -> int:
    raise ValueError(f"bad value in {argv}")


def fails_like_a_bug(argv: list[str]) -> int:
    raise AttributeError("an internal fallo")


def test_the_top_level_turns_user_errors_into_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(cli.COMMANDS, "user", cli.Command(__name__, "fails_like_a_user", "raises ValueError"))
    monkeypatch.delenv("MINIGRAD_TRACEBACK", raising=False)
    assert cli.main(["user", "--x"]) == 2
    assert capsys.readouterr().err == "minigrad: error: bad value in ['--x']\n"
    monkeypatch.setenv("MINIGRAD_TRACEBACK", "1")  # the switch that shows the traceback of every error
    with pytest.raises(ValueError, match="bad value"):
        cli.main(["user"])


def test_the_top_level_lets_internal_errors_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli.COMMANDS, "bug", cli.Command(__name__, "fails_like_a_bug", "raises AttributeError"))
    with pytest.raises(AttributeError, match="internal fallo"):
        cli.main(["bug"])


def test_minigrads_own_error_classes_count_as_user_errors() -> None:
    from minigrad.breaks.core import BreakError

    assert cli.is_user_error(BreakError("x")) and cli.is_user_error(CheckpointError("f", "r"))
    assert not cli.is_user_error(AttributeError("x")) and not cli.is_user_error(RuntimeError("x"))
