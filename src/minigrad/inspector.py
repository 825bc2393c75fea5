"""``Inspector``: running statistics of activations and gradients, read through hooks (phase 19).

An inspector watches named modules (their outputs, through
:meth:`Module.register_forward_hook` with ``with_kwargs=True``) and named
parameters (their gradients, through
:meth:`Tensor.register_post_accumulate_grad_hook`, called once ``.grad`` is
filled).  Each watched thing keeps a :class:`RunningStats` over every value
it has produced since the last :meth:`Inspector.reset`; :meth:`snapshot`
reads them all.  Hooks only read arrays: instrumentation never changes a
number of the run (``tests/test_inspector.py`` checks the weights).

The statistics of a series of arrays x_1, x_2, ... (all their elements
together, n values in all) are accumulated one array at a time, in float64:

* mean and variance by Welford's update, merged a whole array at a time
  (Chan et al.'s parallel form): with the running (n, mean, M2) and an array
  of n_b values, mean_b and M2_b = sum (x - mean_b)^2,
  delta = mean_b - mean, n' = n + n_b, mean' = mean + delta n_b / n',
  M2' = M2 + M2_b + delta^2 n n_b / n'; std = sqrt(M2 / n) (population);
* max = the largest value, mean_abs = sum |x| / n;
* l2 = sqrt(sum x^2), the L2 norm of the whole series.

Subtracting the array's own mean before squaring keeps the variance exact
where the naive sum(x^2)/n - mean^2 cancels catastrophically.

Two more readings, for the dashboard's panel 6 (:meth:`Inspector.register_all`
adds them for every ReLU/GELU and every :class:`~minigrad.nn.MultiheadAttention`):

* **dead units** (:class:`DeadUnits`, on a ReLU or GELU module): a unit (one
  index of the activation's last axis, e.g. one of the MLP's ``d_ff`` hidden
  units) is dead when its activation is ``<= 0`` at every position of every
  call since the last reset (every batch row and every sequence position,
  padding included: the unit never fired).  The reading is the fraction of
  dead units, ``#{u : max over positions of a_u <= 0} / #units``.  GELU's
  output is ``<= 0`` exactly where its input is, so a GELU unit is dead when
  its pre-activation never turned positive.
* **attention entropy** (:class:`AttentionEntropy`, on a MultiheadAttention):
  for each head ``h``, the mean over query rows of
  ``H = -sum_j w_j ln w_j`` (nats, ``0 ln 0 = 0``), ``w`` that row's attention
  weights before dropout, from the masked scores the call's own softmax read
  (found in its autograd graph, so not computed twice; recomputed from the
  call's query, key and masks with the module's weights when the call left no
  graph).  A row counts when its masks let it attend
  to at least one key; in self-attention with a ``key_padding_mask`` the
  padded positions' own rows are left out (their outputs are never scored).
  ``0`` is a head that looks at one key; ``ln S`` one that spreads evenly over
  ``S`` keys.

Both count only the calls made with gradients on (the training passes): the
loop's validation, under ``no_grad``, scores many prefixes of other lines, and
would otherwise swamp one batch's reading at every validation step.

What it costs (``benchmarks/bench_inspector.py``): every hook reads arrays the
step computed anyway, and writes its temporaries into arrays the inspector
keeps (:class:`Scratch`, one entropy workspace), so that no reading asks the
allocator for fresh pages; an output seen twice unchanged (a Dropout with
``p = 0`` returns its input) is summarized once; the attention entropy reads
the scores from the call's graph instead of computing them again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .engine import is_grad_enabled, no_grad
from .hooks import RemovableHandle
from .nn.activations import GELU, ReLU
from .nn.attention import MultiheadAttention, merge_masks
from .nn.module import Module
from .ops.attention import causal_mask, scale_factor
from .tensor import Array, Tensor

__all__ = [
    "AttentionEntropy",
    "DeadUnits",
    "HookHandle",
    "Inspector",
    "RunningStats",
    "attention_entropy_of_call",
    "batch_summary",
    "spectral_norm",
]


_add, _maximum, _minimum = np.add.reduce, np.maximum.reduce, np.minimum.reduce
_FLOAT64 = np.dtype(np.float64)


def spectral_norm(matrix: Array, iterations: int = 30) -> float:
    """The largest singular value of a 2-D array, by power iteration on ``W^T W``.

    ``v <- W^T W v / ||W^T W v||`` from the all-ones vector (deterministic: no
    random generator of the run is touched), then ``sigma = ||W v||``.  It
    converges as ``(sigma_2 / sigma_1)^(2k)``; 30 iterations are ample for
    monitoring, not for a proof.
    """
    w = np.asarray(matrix, dtype=np.float64)
    if w.ndim != 2:
        raise ValueError(f"spectral_norm: expected a 2-D array, got shape {w.shape}")
    v = np.ones(w.shape[1]) / math.sqrt(w.shape[1])
    for _ in range(iterations):
        u = w.T @ (w @ v)
        norm = float(np.linalg.norm(u))
        if norm == 0.0 or not math.isfinite(norm):
            return norm if not math.isfinite(norm) else 0.0
        v = u / norm
    return float(np.linalg.norm(w @ v))


class Scratch:
    """One flat array per dtype, grown as needed and lent to one computation at a time.

    The statistics' temporaries (``|x|``, ``(x - mean)^2``, a float64 copy of
    a weight) are as large as the arrays watched; written into arrays kept
    from one step to the next they cost no fresh pages from the allocator.
    """

    __slots__ = ("arrays",)

    def __init__(self) -> None:
        self.arrays: dict[np.dtype[Any], Array] = {}

    def take(self, size: int, dtype: np.dtype[Any]) -> Array:
        """A 1-D array of ``size`` elements of ``dtype`` (contents undefined), valid until the next ``take``."""
        array = self.arrays.get(dtype)
        if array is None or array.size < size:
            array = self.arrays[dtype] = np.empty(size, dtype)
        return array[:size]


def batch_summary(values: Array, scratch: Scratch | None = None) -> tuple[int, float, float, float, float] | None:
    """``(n_b, mean_b, sum |x|, max x, M2_b = sum (x - mean_b)^2)`` of one array; None when it is empty.

    Sums run in float64 whatever the array's dtype; a float32 or float16
    array is centred in its own precision (no float64 copy of a large
    activation), which is all the precision its values have.  ``|x|`` and
    ``(x - mean_b)^2`` are written into one array of ``scratch`` (a new one
    without it); the numbers are the same either way.
    """
    batch = np.asarray(values).ravel()
    if batch.dtype.kind != "f":
        batch = batch.astype(np.float64)
    n_b = batch.size
    if n_b == 0:
        return None
    work = np.empty_like(batch) if scratch is None else scratch.take(n_b, batch.dtype)
    # the ufuncs' own reductions: what np.sum and ndarray.max call, less their Python wrappers
    mean_b = float(_add(batch, dtype=np.float64)) / n_b
    abs_sum = float(_add(np.abs(batch, out=work), dtype=np.float64))
    largest = float(_maximum(batch))
    np.subtract(batch, batch.dtype.type(mean_b), out=work)
    np.square(work, out=work)
    return n_b, mean_b, abs_sum, largest, float(_add(work, dtype=np.float64))


class RunningStats:
    """Mean, population std, max, mean |x| and L2 norm of every value seen, without keeping the values."""

    __slots__ = ("count", "mean", "m2", "max", "abs_sum", "square_sum")

    def __init__(self) -> None:
        self.count = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.max = -math.inf
        self.abs_sum = 0.0
        self.square_sum = 0.0

    def update(self, values: Array, scratch: Scratch | None = None) -> None:
        """Add every element of ``values`` to the series (NaN and Inf propagate, as they should: they are news)."""
        batch = batch_summary(values, scratch)
        if batch is not None:
            self.merge(batch)

    def merge(self, batch: tuple[int, float, float, float, float]) -> None:
        """Add one array's :func:`batch_summary` ``(n_b, mean_b, sum |x|, max, M2_b)`` to the series."""
        n_b, mean_b, abs_sum, largest, m2_b = batch
        self.abs_sum += abs_sum
        self.max = max(self.max, largest)
        self.square_sum += m2_b + n_b * mean_b * mean_b  # sum x^2 = sum (x - mean)^2 + n mean^2: no cancellation
        n = self.count
        total = n + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / total
        self.m2 += m2_b + delta * delta * n * n_b / total
        self.count = total

    def summary(self) -> dict[str, float]:
        """``{count, mean, std, max, mean_abs, l2}``; an empty series gives NaNs (count 0)."""
        if self.count == 0:
            nan = float("nan")
            return {"count": 0, "mean": nan, "std": nan, "max": nan, "mean_abs": nan, "l2": nan}
        return {
            "count": self.count,
            "mean": self.mean,
            "std": math.sqrt(max(self.m2, 0.0) / self.count),
            "max": self.max,
            "mean_abs": self.abs_sum / self.count,
            "l2": math.sqrt(self.square_sum),
        }


class DeadUnits:
    """Which units of an activation (its last axis) were ``> 0`` somewhere since the last reset.

    ``fraction()`` is ``#{units never > 0} / #units`` (see the module
    docstring); NaN before any call, and NaN once a non-finite value was seen
    (a NaN is not a dead unit: it is news of its own).
    """

    __slots__ = ("alive", "finite")

    def __init__(self) -> None:
        self.alive: Array | None = None
        self.finite = True

    def update(self, values: Array) -> None:
        array = np.asarray(values)
        if array.ndim == 0 or array.size == 0:
            return
        # a unit fired where its largest value is > 0; NaN and +-Inf show in the largest or the smallest
        # value (NaN in both), so two reductions and no array as large as the activation
        largest: Array = _maximum(array.reshape(-1, array.shape[-1]), axis=0)
        fired: Array = largest > 0
        if self.finite and not (np.isfinite(largest).all() and math.isfinite(float(_minimum(array, axis=None)))):
            self.finite = False
        if self.alive is None or self.alive.shape != fired.shape:
            self.alive = fired
        else:
            self.alive |= fired

    def fraction(self) -> float:
        if self.alive is None or not self.finite:
            return float("nan")
        return 1.0 - float(np.count_nonzero(self.alive)) / self.alive.size


class AttentionEntropy:
    """Per head: the sum of the entropies (nats) of the attention rows seen since the last reset, and their count.

    ``per_head()`` is the mean row entropy of each head (NaN for a head with no row yet).
    """

    __slots__ = ("total", "rows")

    def __init__(self) -> None:
        self.total: Array | None = None
        self.rows: Array | None = None

    def update(self, row_entropy: Array, counted: Array) -> None:
        """``row_entropy`` and ``counted`` ``(N, H, L)``: each row's entropy, and True for the rows that count."""
        total = np.where(counted, row_entropy, 0.0).sum(axis=(0, 2), dtype=np.float64)
        rows = counted.sum(axis=(0, 2)).astype(np.float64)
        if self.total is None or self.rows is None or self.total.shape != total.shape:
            self.total, self.rows = total, rows
        else:
            self.total += total
            self.rows += rows

    def per_head(self) -> list[float]:
        if self.total is None or self.rows is None:
            return []
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(self.rows > 0, self.total / np.maximum(self.rows, 1.0), np.nan)
        return [float(m) for m in means]


_ATTENTION_ARGUMENTS = (
    "query",
    "key",
    "value",
    "key_padding_mask",
    "need_weights",
    "attn_mask",
    "average_attn_weights",
    "is_causal",
)


def _as_array(x: Any) -> Array | None:
    if x is None:
        return None
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _forward_scores(output: Any, inputs: tuple[Any, ...]) -> Array | None:
    """The masked scores the call's own softmax read (``(N, H, L, S)``, ``-inf`` where blocked), or None.

    Found by walking the autograd graph back from the call's output to the
    first ``softmax`` node, never past the call's own query, key and value
    (behind them lie the layers before, and their softmaxes) nor past a leaf:
    only this call's ops are visited.  None when there is no graph (no input
    or weight needs a gradient) or no softmax in it; the caller then
    recomputes the scores.
    """
    first = output[0] if isinstance(output, tuple | list) and output else output
    if not isinstance(first, Tensor):
        return None
    stops = {id(x) for x in inputs if isinstance(x, Tensor)}
    frontier, seen = [first], set(stops)
    while frontier and len(seen) < 256:  # a guard: this call's graph is a dozen nodes
        node = frontier.pop(0).grad_fn
        if node is None:
            continue
        if node.op == "softmax":
            return np.asarray(node.inputs[0].data)
        for parent in node.inputs:
            if id(parent) not in seen:
                seen.add(id(parent))
                frontier.append(parent)
    return None


class _Workspace:
    """Two arrays kept from one call to the next: the entropy's large temporaries, without fresh pages each time."""

    __slots__ = ("shifted", "exps")

    def __init__(self) -> None:
        self.shifted: Array = np.empty(0)
        self.exps: Array = np.empty(0)

    def arrays(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> tuple[Array, Array]:
        if self.shifted.shape != shape or self.shifted.dtype != dtype:
            self.shifted, self.exps = np.empty(shape, dtype), np.empty(shape, dtype)
        return self.shifted, self.exps


def attention_entropy_of_call(
    module: MultiheadAttention,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    output: Any = None,
    workspace: _Workspace | None = None,
) -> tuple[Array, Array]:
    """``(row_entropy, counted)``, both ``(N, H, L)``, of one call ``module(*args, **kwargs)``, off the graph.

    The scores ``s = (Q_h * scale) K_h^T`` with the masks applied are the ones
    the call's own softmax read, found in the graph of its ``output`` (see
    :func:`_forward_scores`); blocked keys, ``-inf`` there, become a huge
    negative finite number.  Without an output or a graph they are recomputed
    from the call's query and key through the module's own projections (and
    rotary embedding) and its own mask merge: the same scores up to rounding
    (the same bits on the course's MiniGPT).  With ``m = max_j s_j``, ``d_j = s_j - m``, ``e_j = exp(d_j)``
    and ``Z = sum_j e_j``, the row's weights are ``w_j = e_j / Z`` and its
    entropy

        H = -sum_j w_j ln w_j = ln Z - sum_j e_j d_j / Z,

    one logarithm a row rather than one a weight (a blocked key has
    ``e_j = 0`` and adds nothing).  No value, no output projection and no
    dropout are computed (no generator is touched); a NaN score gives a NaN
    entropy.  ``counted``: the rows that may attend to some key, less the
    padded queries' rows in self-attention (see the module docstring).
    ``workspace`` keeps the two ``(N, H, L, S)`` temporaries between calls.
    """
    call = dict(zip(_ATTENTION_ARGUMENTS, args))
    call.update(kwargs)
    q, k = _as_array(call["query"]), _as_array(call["key"])
    if q is None or k is None:
        raise TypeError("Inspector: a MultiheadAttention call without query or key")
    padding, blocked = _as_array(call.get("key_padding_mask")), _as_array(call.get("attn_mask"))
    if q.ndim == 2:
        q, k = q[None], k[None]
        if padding is not None and padding.ndim == 1:
            padding = padding[None]
    elif not module.batch_first:
        q, k = q.swapaxes(0, 1), k.swapaxes(0, 1)
    n, length, source = q.shape[0], q.shape[1], k.shape[1]
    if call.get("is_causal") and blocked is None:
        blocked = ~causal_mask(length, source)
    mask = merge_masks(blocked, padding, n, module.num_heads, length, source)
    heads = module.num_heads
    scores = None if output is None else _forward_scores(output, (call["query"], call["key"], call.get("value")))
    if scores is not None:
        # blocked: a finite number so far below any score that exp gives 0, and 0 * it is 0 (not -inf's NaN)
        floor = scores.dtype.type(-np.finfo(scores.dtype).max / 4)
        shifted, exps = (workspace or _Workspace()).arrays(scores.shape, scores.dtype)
        np.maximum(scores, floor, out=shifted)
    else:
        shifted = _recomputed_scores(module, q, k, mask)
        exps = np.empty_like(shifted)
    np.subtract(shifted, shifted.max(axis=-1, keepdims=True), out=shifted)
    np.exp(shifted, out=exps)
    z = exps.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        row_entropy = np.log(z) - np.einsum("nhls,nhls->nhl", exps, shifted) / z
    if mask is None:
        counted = np.ones((n, heads, length), dtype=bool)
    else:
        allowed = mask if mask.dtype == np.bool_ else mask > -np.inf
        counted = np.broadcast_to(allowed.any(axis=-1), (n, heads, length)).copy()
    if padding is not None and length == source:
        padded = padding if padding.dtype == np.bool_ else padding == -np.inf
        counted &= ~padded[:, None, :]
    return row_entropy, counted


def _recomputed_scores(module: MultiheadAttention, q: Array, k: Array, mask: Array | None) -> Array:
    """``(Q_h * scale) K_h^T`` with ``mask`` applied, blocked keys at a huge negative finite number (a new array)."""
    n, e, heads, head_dim = q.shape[0], module.embed_dim, module.num_heads, module.head_dim
    weight, bias = module.in_proj_weight.data, module.in_proj_bias

    def project(x: Array, part: int) -> Array:
        p = x @ weight[part * e : (part + 1) * e].T
        if bias is not None:
            p = p + bias.data[part * e : (part + 1) * e]
        return np.ascontiguousarray(p.reshape(n, -1, heads, head_dim).transpose(0, 2, 1, 3))  # BLAS batches

    heads_q, heads_k = project(q, 0), project(k, 1)
    if module.rotary is not None:  # forward, not __call__: the rotary module's own hooks must not see this
        with no_grad():
            heads_q = module.rotary.forward(Tensor(heads_q)).data
            heads_k = module.rotary.forward(Tensor(heads_k)).data
    scores = (heads_q * heads_q.dtype.type(scale_factor(head_dim))) @ heads_k.swapaxes(-1, -2)
    floor = scores.dtype.type(-np.finfo(scores.dtype).max / 4)
    if mask is not None:
        scores = np.where(mask, scores, floor) if mask.dtype == np.bool_ else scores + np.maximum(mask, floor)
    return np.ascontiguousarray(scores)


class HookHandle(RemovableHandle):
    """What :meth:`Inspector.register_forward`, :meth:`~Inspector.register_backward`,
    :meth:`~Inspector.register_dead_units` and :meth:`~Inspector.register_attention_entropy` return.

    ``remove()`` takes the hook off the module or parameter and forgets the
    name in the inspector (its statistics go with it).
    """


def _first_tensor(output: Any) -> Tensor | None:
    """A module's output Tensor: the output itself, or the first Tensor of a tuple (attention's ``(out, w)``)."""
    if isinstance(output, Tensor):
        return output
    if isinstance(output, tuple | list):
        for item in output:
            if isinstance(item, Tensor):
                return item
    return None


def _first_array(output: Any) -> Array | None:
    """The array of :func:`_first_tensor`, or None."""
    tensor = _first_tensor(output)
    return None if tensor is None else tensor.data


class Inspector:
    """Named hooks on a model's modules and parameters, each feeding a :class:`RunningStats`.

    ``params`` names the parameters the inspector may watch (default:
    ``model.named_parameters()``).  :meth:`register_all` watches every
    submodule's output and every one of those parameters' gradients.
    """

    def __init__(self, model: Module, params: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None):
        if not isinstance(model, Module):
            raise TypeError(f"Inspector: model must be a minigrad.nn.Module, got {type(model).__name__}")
        self.model = model
        named = model.named_parameters() if params is None else params
        self.params: dict[str, Tensor] = dict(named.items() if isinstance(named, Mapping) else named)
        self.activations: dict[str, RunningStats] = {}
        self.gradients: dict[str, RunningStats] = {}
        # ||w|| at the last gradient, for the grad-to-weight ratio ||g|| / ||w||
        self.weight_norms: dict[str, float] = {}
        self.dead_units: dict[str, DeadUnits] = {}
        self.attention_entropy: dict[str, AttentionEntropy] = {}
        self._handles: dict[tuple[str, str], HookHandle] = {}
        self._scratch = Scratch()  # the hooks run one at a time: one scratch array per dtype for all,
        self._workspace = _Workspace()  # and one pair of (N, H, L, S) arrays for every attention's entropy
        # the last output summarized, its version and summary: a module that returns its input as is
        # (Dropout with p = 0, Identity) shows the same array as the module before it, summarized once
        self._last_output: tuple[Tensor, int, tuple[int, float, float, float, float] | None] | None = None

    def _claim(self, kind: str, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"Inspector.register_{kind}: name must be a non-empty str, got {name!r}")
        if (kind, name) in self._handles:
            raise ValueError(
                f"Inspector.register_{kind}: {name!r} is already watched; "
                "remove its handle first or choose another name"
            )

    def register_forward(self, name: str, module: Module) -> HookHandle:
        """Watch ``module``'s output under ``name``: its hook gets ``(module, args, kwargs, output)``."""
        self._claim("forward", name)
        if not isinstance(module, Module):
            raise TypeError(f"Inspector.register_forward: {name!r} must be a Module, got {type(module).__name__}")
        activations = self.activations
        activations[name] = RunningStats()

        def observe(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            tensor = _first_tensor(output)
            if tensor is not None:
                batch = self._summary_of(tensor)
                if batch is not None:
                    activations[name].merge(batch)

        hook = module.register_forward_hook(observe, with_kwargs=True)
        return self._keep("forward", name, hook, self.activations)

    def _summary_of(self, tensor: Tensor) -> tuple[int, float, float, float, float] | None:
        """:func:`batch_summary` of ``tensor``'s array, reused when it is the last one summarized, unchanged since."""
        last = self._last_output
        if last is not None and last[0] is tensor and last[1] == tensor._version:
            return last[2]
        batch = batch_summary(tensor.data, self._scratch)
        self._last_output = (tensor, tensor._version, batch)
        return batch

    def register_backward(self, name: str, param: Tensor) -> HookHandle:
        """Watch ``param``'s gradient under ``name``: its hook gets ``(param, grad)`` once ``.grad`` is filled."""
        self._claim("backward", name)
        if not isinstance(param, Tensor) or not param.requires_grad or not param.is_leaf:
            raise TypeError(f"Inspector.register_backward: {name!r} must be a leaf tensor that requires grad")
        gradients, norms, scratch = self.gradients, self.weight_norms, self._scratch
        gradients[name] = RunningStats()

        def observe(param: Tensor, grad: Array) -> None:
            gradients[name].update(grad, scratch)
            weight = param.data.ravel()
            if weight.dtype != np.float64:  # summed in float64: a copy, into the scratch array rather than a new one
                wide = scratch.take(weight.size, _FLOAT64)
                np.copyto(wide, weight)
                weight = wide
            norms[name] = math.sqrt(float(weight @ weight))

        def filled(param: Tensor) -> None:
            if param.grad is not None:
                observe(param, param.grad)

        hook = param.register_post_accumulate_grad_hook(filled)
        return self._keep("backward", name, hook, self.gradients)

    def register_dead_units(self, name: str, module: Module) -> HookHandle:
        """Count the dead units of ``module``'s output (a ReLU or GELU) under ``name`` (see :class:`DeadUnits`)."""
        self._claim("dead_units", name)
        if not isinstance(module, ReLU | GELU):
            raise TypeError(
                f"Inspector.register_dead_units: {name!r} must be a ReLU or GELU module (a unit is dead where "
                f"its output is <= 0), got {type(module).__name__}"
            )
        table = self.dead_units
        table[name] = DeadUnits()

        def observe(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            array = _first_array(output)
            if array is not None and is_grad_enabled():
                table[name].update(array)

        hook = module.register_forward_hook(observe, with_kwargs=True)
        return self._keep("dead_units", name, hook, table)

    def register_attention_entropy(self, name: str, module: Module) -> HookHandle:
        """Average each head's attention entropy (nats) under ``name`` (see :func:`attention_entropy_of_call`)."""
        self._claim("attention_entropy", name)
        if not isinstance(module, MultiheadAttention):
            raise TypeError(
                f"Inspector.register_attention_entropy: {name!r} must be a MultiheadAttention, "
                f"got {type(module).__name__}"
            )
        table, attention, workspace = self.attention_entropy, module, self._workspace
        table[name] = AttentionEntropy()

        def observe(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            if is_grad_enabled():
                table[name].update(*attention_entropy_of_call(attention, args, kwargs, output, workspace))

        hook = module.register_forward_hook(observe, with_kwargs=True)
        return self._keep("attention_entropy", name, hook, table)

    def _keep(self, kind: str, name: str, hook: RemovableHandle, table: dict[str, Any]) -> HookHandle:
        handles = self._handles

        def forget() -> None:
            table.pop(name, None)
            if kind == "backward":
                self.weight_norms.pop(name, None)
            handles.pop((kind, name), None)

        handle = HookHandle([hook.remove, forget])
        handles[(kind, name)] = handle
        return handle

    def register_all(self, max_depth: int | None = None) -> Inspector:
        """Watch every called submodule's output (by dotted name) and the gradient of every parameter in ``params``.

        ``max_depth`` keeps only modules whose dotted name has at most that
        many dots: ``max_depth=2`` watches ``blocks.0.attn`` but not the
        layers inside it (what ``--inspect`` uses: per-layer, and cheaper).
        At any depth, every ReLU and GELU also gets :meth:`register_dead_units`
        and every MultiheadAttention :meth:`register_attention_entropy`.
        """
        for name, module in self.model.named_modules():
            if not name or type(module).forward is Module.forward:  # the root, containers never called (ModuleList)
                continue
            if max_depth is None or name.count(".") <= max_depth:
                self.register_forward(name, module)
            if isinstance(module, ReLU | GELU):
                self.register_dead_units(name, module)
            if isinstance(module, MultiheadAttention):
                self.register_attention_entropy(name, module)
        for name, param in self.params.items():
            self.register_backward(name, param)
        return self

    def snapshot(self) -> dict[str, Any]:
        """Every reading since the last reset.

        ``{"activations": {name: summary}, "gradients": {name: summary + weight_l2, grad_to_weight},
        "dead_units": {name: fraction}, "attention_entropy": {name: [nats per head]}}``.
        ``grad_to_weight`` is ``l2 / ||w||``: the gradient's norm over the series
        against the weight's norm at its last gradient.
        """
        gradients = {}
        for name, stats in self.gradients.items():
            summary: dict[str, float] = stats.summary()
            weight = self.weight_norms.get(name, float("nan"))
            summary["weight_l2"] = weight
            summary["grad_to_weight"] = summary["l2"] / weight if weight > 0 else float("nan")
            gradients[name] = summary
        return {
            "activations": {name: stats.summary() for name, stats in self.activations.items()},
            "gradients": gradients,
            "dead_units": {name: units.fraction() for name, units in self.dead_units.items()},
            "attention_entropy": {name: entropy.per_head() for name, entropy in self.attention_entropy.items()},
        }

    def reset(self) -> None:
        """Start every series again (the hooks stay: they look their statistics up by name at each call)."""
        self._last_output = None
        for table in (self.activations, self.gradients):
            for name in table:
                table[name] = RunningStats()
        for name in self.dead_units:
            self.dead_units[name] = DeadUnits()
        for name in self.attention_entropy:
            self.attention_entropy[name] = AttentionEntropy()

    def remove_all(self) -> None:
        """Take every hook off and forget every name."""
        for handle in list(self._handles.values()):
            handle.remove()
        self._last_output = None
