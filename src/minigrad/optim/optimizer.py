"""``Optimizer``: the base class that holds parameter groups and per-parameter state.

An optimizer owns no parameters: it keeps references to the model's tensors
and, in :meth:`step`, changes their arrays in place (under
:func:`minigrad.no_grad`, so no graph is recorded).  Hyperparameters live in
``param_groups``, a list of dicts as in ``torch.optim``, so that a learning-rate
scheduler can change ``group["lr"]`` between steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Union

import numpy as np

from ..nn.arguments import check_number
from ..nn.module import Module
from ..tensor import Array, Tensor

ParamGroup = dict[str, Any]
Params = Union[Iterable[Tensor], Iterable[Mapping[str, Any]]]


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors that require gradients (typically
    ``model.parameters()``), or of dicts ``{"params": [...], "lr": ...}`` that
    override ``defaults`` for one group.  ``state[p]`` holds a parameter's
    buffers (momentum, Adam moments), created lazily on its first step.
    """

    def __init__(self, params: Params, defaults: Mapping[str, Any]) -> None:
        name = type(self).__name__
        self.defaults: dict[str, Any] = dict(defaults)
        self.param_groups: list[ParamGroup] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        items = _parameter_list(name, "params", params)
        if not items:
            if iter(params) is params:  # an iterator, such as a generator: it may have been consumed before
                raise ValueError(
                    f"{name}: got an empty parameter list from an iterator: the model has no parameters, or the "
                    "iterator was used up before. model.parameters() is a generator, used up after one pass "
                    "(e.g. by another optimizer or a loop): call model.parameters() again, or keep a list, "
                    "params = list(model.parameters())"
                )
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters() of a model that has some")
        groups = items if isinstance(items[0], Mapping) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add ``{"params": [...], **hyperparameters}``; unset hyperparameters take the defaults."""
        name = type(self).__name__
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' key, got {group!r:.80}")
        raw = group["params"]
        params = [raw] if isinstance(raw, Tensor) else _parameter_list(name, "a group's 'params'", raw)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for index, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {index} is of type {type(p).__name__}, not a minigrad Tensor")
            if not p.requires_grad:
                raise ValueError(
                    f"{name}: parameter {index} (shape {p.shape}) does not require grad; "
                    "an optimizer can only update tensors created with requires_grad=True"
                )
            if not p.is_leaf:
                raise ValueError(f"{name}: parameter {index} (shape {p.shape}) is not a leaf tensor; use a Parameter")
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {index} (shape {p.shape}) appears twice; each may appear once")
            seen.add(id(p))
        unknown = sorted(k for k in group if k not in self.defaults and k not in ("params", "initial_lr"))
        if unknown:  # a misspelt option would otherwise be stored and never used
            raise TypeError(
                f"{name}: unknown option(s) {', '.join(map(repr, unknown))} in a parameter group; "
                f"{name} takes {', '.join(self.defaults)}"
            )
        full: ParamGroup = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check_hyperparameters(full)
        full["params"] = params
        self.param_groups.append(full)

    def _check_hyperparameters(self, group: ParamGroup) -> None:
        """Raise ``ValueError`` for invalid values; subclasses extend it."""
        check_number(type(self).__name__, "learning rate lr", group["lr"], at_least=0)
        check_number(type(self).__name__, "weight_decay", group.get("weight_decay", 0.0), at_least=0)

    # ------------------------------------------------------------------ the training-loop API

    @property
    def lr(self) -> float:
        """The first group's learning rate (the only one, unless you made groups)."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            self._check_hyperparameters({**group, "lr": value})  # check all first: no half-applied change
        for group in self.param_groups:
            group["lr"] = value

    def params(self) -> list[Tensor]:
        """Every parameter, group by group."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient before the next backward (which would otherwise add to it)."""
        for p in self.params():
            p.zero_grad(set_to_none)

    def step(self) -> None:
        """Update every parameter that has a gradient; see the subclasses."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # ------------------------------------------------------------------ saving and restoring

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``, as in PyTorch.

        Parameters are named by their position across all groups; buffers are
        copies, so that training on does not change a saved state.
        """
        index = {id(p): i for i, p in enumerate(self.params())}
        state = {
            index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
        }
        groups = [
            {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and buffers saved by :meth:`state_dict` from an optimizer over the same model."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{name}.load_state_dict: expected the dict that optimizer.state_dict() returns, "
                f"got {type(state_dict).__name__}"
            )
        groups = state_dict.get("param_groups")
        saved_state = state_dict.get("state")
        if not isinstance(groups, list) or not isinstance(saved_state, Mapping):
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'")
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(groups)} parameter group(s), "
                f"this optimizer has {len(self.param_groups)}"
            )
        for i, (saved, mine) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(saved['params'])} parameters in the saved state "
                    f"and {len(mine['params'])} here"
                )
        by_index = dict(enumerate(self.params()))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, buffers in saved_state.items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: state for parameter {key}, which does not exist here")
            restored: dict[str, Any] = {}
            for k, v in buffers.items():
                if isinstance(v, np.ndarray):
                    if v.shape != p.shape:
                        raise ValueError(
                            f"{name}.load_state_dict: buffer {k!r} of parameter {key} has shape {v.shape}, "
                            f"but the parameter has shape {p.shape}"
                        )
                    v = np.array(v, dtype=p.dtype)
                restored[k] = v
            new_state[p] = restored
        # Every check passed: only now change anything.
        for saved, mine in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    mine[k] = v
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join([*lines, ")"])


def _parameter_list(owner: str, what: str, params: object) -> list[Any]:
    """``params`` as a list, or a ``TypeError`` saying what to pass instead of a module, a tensor, a non-iterable."""
    if isinstance(params, Tensor):
        raise TypeError(
            f"{owner}: {what} must be an iterable of tensors (e.g. model.parameters()), got a single Tensor; "
            "wrap it in a list"
        )
    if isinstance(params, Module):
        raise TypeError(
            f"{owner}: {what} must be the tensors to update, got the module {type(params).__name__} itself; "
            "pass model.parameters()"
        )
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{owner}: {what} must be an iterable of tensors (e.g. model.parameters()), got {type(params).__name__}"
        )
    return list(params)


def gradient(p: Tensor, weight_decay: float) -> Array:
    """``p.grad``, plus the L2 penalty's gradient ``weight_decay * p`` when it is non-zero."""
    assert p.grad is not None
    return p.grad + weight_decay * p.data if weight_decay != 0 else p.grad
