"""minigrad.optim against torch.optim: 50-step trajectories, schedules and clipping, in float64.

The problem is a small linear regression with fixed data; both libraries
compute the gradients with their own autograd and take the same steps.  Any
difference in an update rule (a missing bias correction, decay in the wrong
place, momentum started at zero) shows up far above 1e-10 within 50 steps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import minigrad
from minigrad import Tensor
from minigrad.optim import (
    SGD,
    Adam,
    AdamW,
    CosineAnnealingLR,
    LinearLR,
    Optimizer,
    WarmupCosine,
    clip_grad_norm_,
)

TOL = 1e-10
STEPS = 50

_rng = np.random.default_rng(1234)
X = _rng.normal(size=(16, 4))
Y = _rng.normal(size=(16, 3))
W0 = _rng.normal(size=(3, 4)) * 0.5
B0 = _rng.normal(size=(3,)) * 0.1
UNUSED0 = _rng.normal(size=(2,))  # a parameter the loss never touches: its grad stays None


def mg_params() -> list[Tensor]:
    return [Tensor(a.copy(), requires_grad=True) for a in (W0, B0, UNUSED0)]


def torch_params() -> list[torch.Tensor]:
    return [torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True) for a in (W0, B0, UNUSED0)]


def mg_loss(params: list[Tensor]) -> Tensor:
    w, b, _ = params
    residual = Tensor(X) @ w.T + b - Tensor(Y)
    return (residual * residual).mean()


def torch_loss(params: list[torch.Tensor]) -> torch.Tensor:
    w, b, _ = params
    residual = torch.tensor(X) @ w.T + b - torch.tensor(Y)
    return (residual * residual).mean()


def run_minigrad(opt: Optimizer, params: list[Tensor], steps: int) -> list[np.ndarray]:
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        mg_loss(params).backward()
        opt.step()
        trajectory.append(np.concatenate([p.data.ravel() for p in params]))
    return trajectory


def run_torch(opt: torch.optim.Optimizer, params: list[torch.Tensor], steps: int) -> list[np.ndarray]:
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        torch_loss(params).backward()
        opt.step()
        trajectory.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return trajectory


def assert_same_trajectory(ours: list[np.ndarray], theirs: list[np.ndarray]) -> None:
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=f"step {step + 1}")
    # The run must actually move: otherwise matching would prove nothing.
    assert np.abs(ours[-1] - np.concatenate([W0.ravel(), B0, UNUSED0])).max() > 1e-2


SGD_CASES = [
    {"lr": 0.05},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.03, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
    {"lr": 0.03, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01},
]

ADAM_CASES: list[dict[str, Any]] = [
    {"lr": 1e-2},
    {"lr": 3e-2, "betas": (0.8, 0.99)},
    {"lr": 1e-2, "weight_decay": 0.1},
    {"lr": 1e-2, "eps": 1e-3, "betas": (0.5, 0.9), "weight_decay": 0.3},
    {"lr": 1e-2, "betas": (0.0, 0.0)},
]

ADAMW_CASES: list[dict[str, Any]] = [
    {"lr": 1e-2},  # default weight_decay=1e-2 on both sides
    {"lr": 1e-2, "weight_decay": 0.5},
    {"lr": 3e-2, "betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1},
    {"lr": 1e-2, "weight_decay": 0.0},
]


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_torch(kwargs: dict[str, Any]) -> None:
    ours, theirs = mg_params(), torch_params()
    assert_same_trajectory(
        run_minigrad(SGD(ours, **kwargs), ours, STEPS), run_torch(torch.optim.SGD(theirs, **kwargs), theirs, STEPS)
    )


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_matches_torch(kwargs: dict[str, Any]) -> None:
    ours, theirs = mg_params(), torch_params()
    assert_same_trajectory(
        run_minigrad(Adam(ours, **kwargs), ours, STEPS), run_torch(torch.optim.Adam(theirs, **kwargs), theirs, STEPS)
    )


@pytest.mark.parametrize("kwargs", ADAMW_CASES, ids=str)
def test_adamw_matches_torch(kwargs: dict[str, Any]) -> None:
    ours, theirs = mg_params(), torch_params()
    assert_same_trajectory(
        run_minigrad(AdamW(ours, **kwargs), ours, STEPS),
        run_torch(torch.optim.AdamW(theirs, **kwargs), theirs, STEPS),
    )


def test_adam_l2_and_adamw_decay_differ() -> None:
    """The same weight_decay means different things in Adam and AdamW (the difference the breaks lab shows)."""
    a, b = mg_params(), mg_params()
    end_adam = run_minigrad(Adam(a, lr=1e-2, weight_decay=0.5), a, STEPS)[-1]
    end_adamw = run_minigrad(AdamW(b, lr=1e-2, weight_decay=0.5), b, STEPS)[-1]
    assert np.abs(end_adam - end_adamw).max() > 1e-3


def test_param_groups_match_torch() -> None:
    ours, theirs = mg_params(), torch_params()
    opt = SGD([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.2, "momentum": 0.0}], lr=0.05, momentum=0.9)
    topt = torch.optim.SGD(
        [{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.2, "momentum": 0.0}], lr=0.05, momentum=0.9
    )
    assert_same_trajectory(run_minigrad(opt, ours, STEPS), run_torch(topt, theirs, STEPS))


@pytest.mark.parametrize(
    ("make", "make_torch"),
    [
        (
            lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
        ),
        (lambda p: Adam(p, lr=1e-2, weight_decay=0.1), lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=0.1)),
        (lambda p: AdamW(p, lr=1e-2), lambda p: torch.optim.AdamW(p, lr=1e-2)),
    ],
    ids=["sgd", "adam", "adamw"],
)
def test_state_dict_resumes_the_torch_trajectory(make: Any, make_torch: Any) -> None:
    """25 steps, save, a fresh optimizer on copies of the parameters loads the state, 25 more == 50 in torch."""
    first = mg_params()
    opt = make(first)
    run_minigrad(opt, first, STEPS // 2)
    saved = opt.state_dict()
    resumed_params = [Tensor(p.data.copy(), requires_grad=True) for p in first]
    run_minigrad(opt, first, 3)  # training the original on must not change the saved copy
    resumed = make(resumed_params)
    resumed.load_state_dict(saved)
    rest = run_minigrad(resumed, resumed_params, STEPS - STEPS // 2)
    theirs = torch_params()
    expected = run_torch(make_torch(theirs), theirs, STEPS)
    np.testing.assert_allclose(rest[-1], expected[-1], rtol=TOL, atol=TOL)


def test_load_state_dict_rejects_a_mismatch_before_changing_anything() -> None:
    params = mg_params()
    opt = Adam(params, lr=1e-2)
    run_minigrad(opt, params, 2)
    saved = opt.state_dict()
    other = Adam([Tensor(np.zeros((5, 5)), requires_grad=True), *mg_params()[1:]], lr=0.5)
    with pytest.raises(ValueError, match=r"exp_avg.*shape \(3, 4\).*\(5, 5\)"):
        other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == 0.5 and other.state == {}
    with pytest.raises(ValueError, match="2 parameter group"):
        Adam(mg_params(), lr=0.1).load_state_dict({**saved, "param_groups": saved["param_groups"] * 2})


def test_step_records_no_graph_and_skips_params_without_grad() -> None:
    params = mg_params()
    opt = Adam(params, lr=1e-2)
    loss = mg_loss(params)
    loss.backward()
    assert minigrad.is_grad_enabled()
    opt.step()
    for p in params:
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert np.array_equal(params[2].data, UNUSED0)  # grad None: untouched, and no state created
    assert params[2] not in opt.state


@pytest.mark.parametrize("make", [Adam, AdamW])
def test_adam_step_allocates_no_parameter_sized_temporaries(make: Any) -> None:
    import tracemalloc  # NumPy reports its array buffers to tracemalloc

    p = Tensor(np.ones((512, 512)), requires_grad=True)  # 2 MiB of float64
    optimizer = make([p], lr=1e-3, weight_decay=0.1)
    p.grad = np.random.default_rng(0).standard_normal(p.shape)
    optimizer.step()  # the moments and the scratch array are made on the first step
    tracemalloc.start()
    try:
        optimizer.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Adam's L2 gradient g + wd * p needs one array; AdamW decays p in place and needs none
    allowed = p.data.nbytes if make is Adam else 0
    assert peak < allowed + 64 * 1024, f"{make.__name__}.step allocated {peak} bytes at its peak"


def test_backward_through_a_graph_from_before_the_step_raises() -> None:
    """The step changes parameters in place; the engine's version check catches a stale graph."""
    params = mg_params()
    opt = SGD(params, lr=0.1)
    w = params[0]
    loss = (w * w).sum()  # mul saves w itself
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_backward_through_a_view_of_a_stepped_parameter_raises() -> None:
    """A view shares its base's version counter, so a step on w is seen through w.reshape / w.T as well."""
    w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    opt = SGD([w], lr=0.1)
    view = w.reshape(3)  # what Linear does with weight.T
    loss = (view * view).sum()
    w.grad = np.ones(3)
    opt.step()  # w changes in place after the forward pass
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()  # otherwise w.grad would be 2 * (new w) instead of 2 * (old w)


def test_zero_grad() -> None:
    params = mg_params()
    opt = SGD(params, lr=0.1)
    mg_loss(params).backward()
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is not None and not params[0].grad.any()
    assert params[2].grad is None
    opt.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=-0.1), "invalid learning rate"),
        (lambda p: SGD(p, lr=float("nan")), "invalid learning rate"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), "momentum"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1.0), "weight_decay"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), "betas"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), "betas"),
        (lambda p: AdamW(p, eps=-1e-8), "eps"),
        (lambda p: Adam([], lr=0.1), "empty parameter list"),
        (lambda p: SGD([Tensor(np.zeros(3))], lr=0.1), "does not require grad"),
        (lambda p: SGD([p[0], p[0]], lr=0.1), "appears twice"),
    ],
)
def test_invalid_arguments_raise(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(mg_params())


def test_single_tensor_is_rejected_with_a_hint() -> None:
    with pytest.raises(TypeError, match="wrap it in a list"):
        SGD(mg_params()[0], lr=0.1)


def test_lr_property_validates_before_changing() -> None:
    opt = SGD([{"params": mg_params()[:1]}, {"params": mg_params()[1:], "lr": 0.2}], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        opt.lr = -1.0
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2]
    opt.lr = 0.3
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.3]


# ---------------------------------------------------------------------- schedules


def lr_sequences(make: Any, make_torch: Any, steps: int) -> tuple[list[float], list[float]]:
    opt = SGD(mg_params(), lr=0.5)
    sched = make(opt)
    topt = torch.optim.SGD(torch_params(), lr=0.5)
    tsched = make_torch(topt)
    ours, theirs = [], []
    for _ in range(steps):
        ours.append(opt.param_groups[0]["lr"])
        theirs.append(topt.param_groups[0]["lr"])
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    return ours, theirs


@pytest.mark.parametrize(
    ("make", "make_torch", "steps"),
    [
        (lambda o: LinearLR(o), lambda o: torch.optim.lr_scheduler.LinearLR(o), 12),
        (
            lambda o: LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=10),
            lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=10),
            20,
        ),
        (
            lambda o: LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=7),
            lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=7),
            15,
        ),
        (
            lambda o: CosineAnnealingLR(o, T_max=10),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10),
            35,
        ),
        (
            lambda o: CosineAnnealingLR(o, T_max=17, eta_min=0.01),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=17, eta_min=0.01),
            40,
        ),
        (
            lambda o: WarmupCosine(o, warmup_steps=5, total_steps=30, start_factor=0.1, eta_min=0.001),
            lambda o: torch.optim.lr_scheduler.SequentialLR(
                o,
                [
                    torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5),
                    torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=25, eta_min=0.001),
                ],
                milestones=[5],
            ),
            31,
        ),
    ],
    ids=["linear-default", "warmup", "linear-decay", "cosine", "cosine-eta-min", "warmup-cosine"],
)
def test_schedules_match_torch(make: Any, make_torch: Any, steps: int) -> None:
    ours, theirs = lr_sequences(make, make_torch, steps)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    assert len(set(np.round(ours, 12))) > 3  # the schedule really varies


def test_warmup_cosine_hand_values_and_clamp() -> None:
    opt = SGD(mg_params(), lr=1.0)
    sched = WarmupCosine(opt, warmup_steps=4, total_steps=8, start_factor=0.0 + 0.2, eta_min=0.0)
    seen = [opt.lr]
    for _ in range(10):
        sched.step()
        seen.append(opt.lr)
    expected = [0.2, 0.4, 0.6, 0.8, 1.0, (1 + math.cos(math.pi / 4)) / 2, 0.5, (1 + math.cos(3 * math.pi / 4)) / 2]
    np.testing.assert_allclose(seen[:8], expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(seen[8:], 0.0, atol=1e-15)


def test_scheduler_state_dict_round_trip() -> None:
    opt = SGD(mg_params(), lr=0.5)
    sched = CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    saved = sched.state_dict()
    opt2 = SGD(mg_params(), lr=0.5)
    sched2 = CosineAnnealingLR(opt2, T_max=10)
    sched2.load_state_dict(saved)
    assert opt2.lr == opt.lr and sched2.last_epoch == 4
    np.testing.assert_allclose(opt.lr, 0.25 * (1 + math.cos(math.pi * 0.4)), rtol=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda o: LinearLR(o, start_factor=0.0),
        lambda o: LinearLR(o, total_iters=0),
        lambda o: CosineAnnealingLR(o, T_max=0),
        lambda o: WarmupCosine(o, warmup_steps=10, total_steps=10),
    ],
)
def test_schedule_arguments_are_validated(make: Any) -> None:
    with pytest.raises(ValueError):
        make(SGD(mg_params(), lr=0.1))


# ---------------------------------------------------------------------- clipping


def grads_for(seed: int, scale: float) -> list[np.ndarray | None]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, 4)) * scale, None, rng.normal(size=(5,)) * scale, rng.normal(size=()) * scale]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type: float, max_norm: float) -> None:
    grads = grads_for(7, 2.0)
    ours, theirs = [], []
    for g in grads:
        shape = (1,) if g is None else g.shape
        p = Tensor(np.zeros(shape), requires_grad=True)
        tp = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        if g is not None:
            p.grad = g.copy()
            tp.grad = torch.tensor(g.copy())
        ours.append(p)
        theirs.append(tp)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, Tensor)
    np.testing.assert_allclose(float(total), expected.item(), rtol=1e-12)
    for p, tp in zip(ours, theirs):
        if tp.grad is None:
            assert p.grad is None
        else:
            assert p.grad is not None
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12, atol=1e-15)
    clipped = max_norm < float(total)
    assert clipped == (max_norm == 0.5)  # the small bound clips, the large one does not


def test_clip_grad_norm_rejects_nonfinite_when_asked() -> None:
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_([p], -1.0)
