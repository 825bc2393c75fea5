"""``Module``: the base class of layers and models, as ``torch.nn.Module``.

A module keeps three ordered registries, filled by attribute assignment:

* ``self.w = Parameter(...)`` registers a learnable tensor (``parameters()``),
* ``self.layer = Linear(...)`` registers a submodule (``children()``),
* ``self.register_buffer("running_mean", ...)`` registers a tensor that is
  state but not learned (``buffers()``), e.g. BatchNorm's running statistics.

Names are dotted paths through the tree (``layers.1.bias``), the same as
PyTorch's, so a ``state_dict()`` from one loads into the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ..engine import grad_mode, no_grad
from ..hooks import BackwardCapture
from ..hooks import RemovableHandle as RemovableHandle  # re-exported: nn.RemovableHandle
from ..messages import text
from ..tensor import Array, Tensor
from .parameter import Parameter

# hook(module, args, output), or hook(module, args, kwargs, output) when registered with_kwargs=True
ForwardHook = Callable[..., Any]
ParameterGradHook = Callable[[str, Parameter], None]


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: keys the model has but the state lacks, and the reverse."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class StateDictError(KeyError, ValueError):
    """A state dict does not fit a model: missing or unexpected keys, or wrong shapes or dtypes.

    Both a ``KeyError`` and a ``ValueError``, so either ``except`` catches it.
    """

    def __str__(self) -> str:  # KeyError's own __str__ would quote the whole message
        return str(self.args[0]) if self.args else ""


_hook_ids = itertools.count()


def _forward_unimplemented(self: Module, *args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError(text("nn.module.no_forward", cls=type(self).__name__))


def _indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (for nested reprs)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def _check_name(kind: str, module: Module, name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(text("nn.module.name_type", kind=kind, type=type(name).__name__))
    if not name or "." in name:
        raise KeyError(text("nn.module.name_value", kind=kind, name=name))
    if "_parameters" not in module.__dict__:
        raise AttributeError(text("nn.module.init_first", kind=kind, cls=type(module).__name__))
    return name


class Module:
    """Base class for all layers and models.

    Subclasses call ``super().__init__()`` first, assign parameters and
    submodules as attributes, and define ``forward``; calling the module runs
    ``forward`` and then the forward hooks.
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers: set[str]
    _modules: dict[str, Module | None]
    _forward_hooks: dict[int, ForwardHook]
    _forward_hooks_with_kwargs: set[int]  # ids of the hooks called as hook(module, args, kwargs, output)
    _backward_hooks: dict[int, Callable[..., Any]]  # register_full_backward_hook

    # A Callable attribute rather than a method so that subclasses may define
    # forward with any signature (PyTorch does the same).
    forward: Callable[..., Any] = _forward_unimplemented

    def __init__(self) -> None:
        # object.__setattr__: our __setattr__ needs these registries to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_forward_hooks_with_kwargs", set())
        object.__setattr__(self, "_backward_hooks", {})

    # ------------------------------------------------------------------ registration

    def _discard(self, name: str, keep: dict[str, Any]) -> None:
        """Forget ``name`` as a plain attribute and in every registry but ``keep``, where it is
        being reassigned (so that it keeps its place in the order there, as in PyTorch)."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(
                text("nn.module.assign_before_init", type=type(value).__name__, name=name, cls=type(self).__name__)
            )
        if isinstance(value, Parameter):
            self._discard(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    text("nn.module.assign_parameter", type=type(value).__name__, name=name, cls=type(self).__name__)
                )
            params[name] = None
        elif isinstance(value, Module):
            self._discard(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(text("nn.module.assign_submodule", type=type(value).__name__, name=name))
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            self._buffers[name] = _as_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails: look in the registries.
        own = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = own.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(text("nn.module.no_attribute", cls=type(self).__name__, name=name))

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (None reserves the name, e.g. for ``bias=False``)."""
        _check_name("register_parameter", self, name)
        if name in self.__dict__ or name in self._buffers or name in self._modules:
            raise KeyError(text("nn.module.exists", fn="register_parameter", name=name, cls=type(self).__name__))
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(text("nn.module.parameter_type", name=name, type=type(param).__name__))
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | Array | None, persistent: bool = True) -> None:
        """Register non-learned state: a Tensor (kept as is), an array (copied into a Tensor), or None.

        Persistent buffers are part of ``state_dict()``.
        """
        _check_name("register_buffer", self, name)
        if name in self.__dict__ or name in self._parameters or name in self._modules:
            raise KeyError(text("nn.module.exists", fn="register_buffer", name=name, cls=type(self).__name__))
        self._buffers[name] = _as_buffer(name, tensor, caller="register_buffer")
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child named ``name`` (what ``self.name = module`` does)."""
        _check_name("add_module", self, name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(text("nn.module.submodule_type", name=name, type=type(module).__name__))
        if name in self.__dict__ or name in self._parameters or name in self._buffers:
            raise KeyError(text("nn.module.exists", fn="add_module", name=name, cls=type(self).__name__))
        self._modules[name] = module

    # ------------------------------------------------------------------ traversal

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and all below it, depth first, in registration order."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        modules = self.named_modules(prefix, remove_duplicate) if recurse else iter([(prefix, self)])
        seen: set[int] = set()
        for module_name, module in modules:
            entries: dict[str, Any] = getattr(module, registry)
            for name, member in entries.items():
                if member is None:
                    continue
                if remove_duplicate:
                    if id(member) in seen:
                        continue
                    seen.add(id(member))
                yield (f"{module_name}.{name}" if module_name else name), member

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by two modules is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and on this module; return self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and gradients

    def train(self, mode: bool = True) -> Module:
        """Set the ``training`` flag of this module and every submodule; return self."""
        if not isinstance(mode, bool):
            raise TypeError(text("nn.module.mode", type=type(mode).__name__))
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """``train(False)``: Dropout becomes the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` to None (or to zeros with ``set_to_none=False``)."""
        for param in self.parameters():
            param.zero_grad(set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient tracking of every parameter (``False`` freezes the module); return self."""
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    def to(self, dtype: npt.DTypeLike) -> Module:
        """Cast every parameter and floating point buffer to ``dtype``, in place; return self.

        Parameters keep their identity (an optimizer made before still holds
        them) and their ``.grad`` is cast too.  Integer and boolean buffers are
        left as they are, as in PyTorch.
        """
        resolved = np.dtype(dtype)
        if resolved.kind != "f":
            raise TypeError(text("nn.module.to_dtype", dtype=resolved))
        for param in self.parameters():
            if param.dtype != resolved:
                param.data = param.data.astype(resolved)
                if param.grad is not None:
                    param.grad = param.grad.astype(resolved)
        for buffer in self.buffers():
            if buffer.dtype.kind == "f" and buffer.dtype != resolved:
                buffer.data = buffer.data.astype(resolved)
        return self

    # ------------------------------------------------------------------ state

    def _state_entries(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` saves, in PyTorch's order: per module its parameters, then its
        persistent buffers, then its children; a shared tensor appears under each of its names."""
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                yield prefix + name, buffer
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_entries(f"{prefix}{name}.")

    def state_dict(self) -> dict[str, Array]:
        """Every parameter and persistent buffer as ``{dotted name: array copy}``."""
        return {key: np.array(tensor.data, copy=True) for key, tensor in self._state_entries()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays (or Tensors) into the parameters and buffers, in place, outside the graph.

        Everything is checked before anything changes: a missing or unexpected
        key (with ``strict=True``), a shape that differs, or a dtype that
        cannot be cast raises :class:`StateDictError` listing every problem.
        With ``strict=False`` the matching keys are loaded and the missing and
        unexpected ones returned.  Parameters keep their identity (an
        optimizer holding them sees the new values); their version counters
        are bumped.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(text("nn.module.state_dict_type", type=type(state_dict).__name__))
        targets = dict(self._state_entries())
        missing = [key for key in targets if key not in state_dict]
        unexpected = [str(key) for key in state_dict if key not in targets]
        problems: list[str] = []
        arrays: dict[str, Array] = {}
        for key, target in targets.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
            if array.dtype.kind not in "biuf":
                kind = type(value).__name__
                problems.append(text("nn.module.state_dict.not_numeric", key=key, type=kind, dtype=array.dtype))
            elif array.shape != target.shape:
                problems.append(text("nn.module.state_dict.shape", key=key, found=array.shape, expected=target.shape))
            elif not np.can_cast(array.dtype, target.dtype, "same_kind"):
                problems.append(text("nn.module.state_dict.dtype", key=key, found=array.dtype, expected=target.dtype))
            else:
                arrays[key] = array
        if problems or (strict and (missing or unexpected)):
            lines = [text("nn.module.state_dict.header", cls=type(self).__name__)]
            if strict and missing:
                lines.append(text("nn.module.state_dict.missing", keys=", ".join(repr(k) for k in missing)))
            if strict and unexpected:
                lines.append(text("nn.module.state_dict.unexpected", keys=", ".join(repr(k) for k in unexpected)))
            lines.extend("  " + problem for problem in problems)
            raise StateDictError("\n".join(lines))
        with no_grad():
            for key, array in arrays.items():
                targets[key].copy_(array)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ calling and hooks

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        capture = None
        if self._backward_hooks and grad_mode.enabled:
            capture = BackwardCapture(self, list(self._backward_hooks.values()))
            args = capture.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook_id, hook in tuple(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                replaced = hook(self, args, kwargs, output)
            else:
                replaced = hook(self, args, output)
            if replaced is not None:
                output = replaced
        return output if capture is None else capture.wrap_output(output)

    def register_full_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once the gradients of a call's inputs are computed.

        ``grad_input`` has one entry per positional Tensor argument and
        ``grad_output`` one per Tensor of the output (None where no gradient
        flows), as in PyTorch; see :class:`minigrad.hooks.BackwardCapture`
        (the hook observes: it cannot replace ``grad_input``).  Returns a handle.
        """
        if not callable(hook):
            raise TypeError(text("nn.module.hook_type", fn="register_full_backward_hook", type=type(hook).__name__))
        hook_id = next(_hook_ids)
        hooks = self._backward_hooks
        hooks[hook_id] = hook
        return RemovableHandle([lambda: hooks.pop(hook_id, None) and None])

    def register_forward_hook(self, hook: ForwardHook, *, with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward; a non-None result replaces the output.

        ``inputs`` is the tuple of positional arguments; with
        ``with_kwargs=True`` (as in PyTorch) the hook is called as
        ``hook(module, args, kwargs, output)``.  Returns a handle whose
        ``remove()`` unregisters the hook.
        """
        if not callable(hook):
            raise TypeError(text("nn.module.hook_type", fn="register_forward_hook", type=type(hook).__name__))
        hook_id = next(_hook_ids)
        self._forward_hooks[hook_id] = hook
        hooks, with_kwargs_ids = self._forward_hooks, self._forward_hooks_with_kwargs
        if with_kwargs:
            with_kwargs_ids.add(hook_id)

        def remove() -> None:
            hooks.pop(hook_id, None)
            with_kwargs_ids.discard(hook_id)

        return RemovableHandle([remove])

    def register_parameter_grad_hook(self, hook: ParameterGradHook) -> RemovableHandle:
        """Call ``hook(name, param)`` whenever backward has accumulated a parameter's ``.grad``.

        Covers the parameters registered now (dotted names as in
        ``named_parameters``), through
        :meth:`Tensor.register_post_accumulate_grad_hook` hooks.  Returns one
        handle that removes the hook from every parameter.
        """
        if not callable(hook):
            raise TypeError(text("nn.module.hook_type", fn="register_parameter_grad_hook", type=type(hook).__name__))
        removers = []
        for name, param in self.named_parameters():

            def call(p: Tensor, name: str = name, param: Parameter = param) -> None:
                hook(name, param)

            removers.append(param.register_post_accumulate_grad_hook(call).remove)
        return RemovableHandle(removers)

    # ------------------------------------------------------------------ printing

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its constructor arguments)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_indent(repr(child), 2)}" for name, child in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def _as_buffer(name: str, value: Any, caller: str = "") -> Tensor | None:
    """A buffer value: None, a Tensor (kept), or array-like data (copied into a constant Tensor).

    An error names ``caller`` (``register_buffer``), or the buffer when it was assigned as an attribute.
    """
    if value is None or isinstance(value, Tensor):
        return value
    array = np.array(value)
    if array.dtype.kind not in "biufc":
        what = f"{caller} {name!r}" if caller else text("nn.module.buffer", name=name)
        raise TypeError(text("nn.module.buffer_type", what=what, type=type(value).__name__))
    return Tensor(array)


class ModuleList(Module):
    """A list of modules, each registered as a child named by its position (``0``, ``1``, ...).

    As ``torch.nn.ModuleList``: indexable, iterable, ``len``, ``append`` and
    ``extend``; it has no ``forward`` (the owner decides how to call them).
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        if not isinstance(module, Module):
            raise TypeError(text("nn.module.list_append", type=type(module).__name__))
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        for module in self._modules.values():
            if module is not None:
                yield module

    def __getitem__(self, index: int) -> Module:
        items = [module for module in self._modules.values() if module is not None]
        if not -len(items) <= index < len(items):
            raise IndexError(text("nn.module.index", owner="ModuleList", index=index, count=len(items)))
        return items[index]
