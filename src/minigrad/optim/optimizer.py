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

from ..messages import text
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
                raise ValueError(text("optim.params_iterator_empty", name=name))
            raise ValueError(text("optim.params_empty", name=name))
        groups = items if isinstance(items[0], Mapping) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add ``{"params": [...], **hyperparameters}``; unset hyperparameters take the defaults."""
        name = type(self).__name__
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(text("optim.group_not_dict", name=name, group=group))
        raw = group["params"]
        params = [raw] if isinstance(raw, Tensor) else _parameter_list(name, "group_params", raw)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for index, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(text("optim.param_type", name=name, index=index, type=type(p).__name__))
            if not p.requires_grad:
                raise ValueError(text("optim.param_no_grad", name=name, index=index, shape=p.shape))
            if not p.is_leaf:
                raise ValueError(text("optim.param_not_leaf", name=name, index=index, shape=p.shape))
            if id(p) in seen:
                raise ValueError(text("optim.param_twice", name=name, index=index, shape=p.shape))
            seen.add(id(p))
        unknown = sorted(k for k in group if k not in self.defaults and k not in ("params", "initial_lr"))
        if unknown:  # a misspelt option would otherwise be stored and never used
            known = ", ".join(self.defaults)
            raise TypeError(
                text("optim.unknown_options", name=name, unknown=", ".join(map(repr, unknown)), known=known)
            )
        full: ParamGroup = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check_hyperparameters(full)
        full["params"] = params
        self.param_groups.append(full)

    def _check_hyperparameters(self, group: ParamGroup) -> None:
        """Raise ``ValueError`` for invalid values; subclasses extend it."""
        check_number(type(self).__name__, text("optim.lr_name"), group["lr"], at_least=0)
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
        raise NotImplementedError(text("optim.step_missing", name=type(self).__name__))

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
            raise TypeError(text("optim.load_not_dict", name=name, type=type(state_dict).__name__))
        groups = state_dict.get("param_groups")
        saved_state = state_dict.get("state")
        if not isinstance(groups, list) or not isinstance(saved_state, Mapping):
            raise ValueError(text("optim.load_keys", name=name))
        if len(groups) != len(self.param_groups):
            raise ValueError(text("optim.load_groups", name=name, saved=len(groups), here=len(self.param_groups)))
        for i, (saved, mine) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(mine["params"]):
                saved_size, size = len(saved["params"]), len(mine["params"])
                raise ValueError(text("optim.load_group_size", name=name, index=i, saved=saved_size, here=size))
        by_index = dict(enumerate(self.params()))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, buffers in saved_state.items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(text("optim.load_unknown_param", name=name, key=key))
            restored: dict[str, Any] = {}
            for k, v in buffers.items():
                if isinstance(v, np.ndarray):
                    if v.shape != p.shape:
                        raise ValueError(
                            text(
                                "optim.load_buffer_shape",
                                name=name,
                                buffer=k,
                                key=key,
                                shape=v.shape,
                                param_shape=p.shape,
                            )
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
    """``params`` as a list, or a ``TypeError`` saying what to pass instead of a module, a tensor, a non-iterable.

    ``what`` names the argument: ``"params"`` or ``"group_params"`` (keys of ``messages/optim.toml``'s ``what``).
    """
    if isinstance(params, Tensor):
        raise TypeError(text("optim.not_iterable_tensor", owner=owner, what=text(f"optim.what.{what}")))
    if isinstance(params, Module):
        found = type(params).__name__
        raise TypeError(text("optim.not_iterable_module", owner=owner, what=text(f"optim.what.{what}"), type=found))
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        found = type(params).__name__
        raise TypeError(text("optim.not_iterable", owner=owner, what=text(f"optim.what.{what}"), type=found))
    return list(params)


def gradient(p: Tensor, weight_decay: float) -> Array:
    """``p.grad``, plus the L2 penalty's gradient ``weight_decay * p`` when it is non-zero."""
    assert p.grad is not None
    return p.grad + weight_decay * p.data if weight_decay != 0 else p.grad
