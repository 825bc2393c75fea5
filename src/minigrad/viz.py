"""Draw the graph behind a tensor as Graphviz DOT text, and render it when Graphviz is installed.

>>> import minigrad
>>> from minigrad.viz import to_dot
>>> a = minigrad.Tensor([1.0, 2.0], requires_grad=True)
>>> print(to_dot((a * a).sum()).splitlines()[0])
digraph minigrad {

Tensors are boxes (name, shape, dtype, ``|grad|`` when a gradient is
present, and ``param``/``leaf``/``const`` for tensors no op produced); ops
are ellipses named by ``Node.op``; edges run input -> op -> output (an input
used twice by one op, as in ``x * x``, has two edges).

The graph is freed by ``backward()`` unless ``backward(retain_graph=True)``:
each op node forgets its inputs, so after a plain ``backward()`` only the
output and its op remain, and the drawing says "graph freed".  Draw before
backward, or retain the graph, to see everything.

Rendering calls Graphviz's ``dot`` program (``apt-get install graphviz``,
``brew install graphviz``); no Python package is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .engine import Node, topological_order
from .messages import text
from .tensor import Tensor

HIGHLIGHT = 'color="red", fontcolor="red", penwidth=2'
FORMATS = ("svg", "png", "pdf")


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not on PATH, so the DOT file could not be rendered."""


def _quote(text: str) -> str:
    """A DOT string literal: backslashes and quotes escaped, newlines as DOT's centered line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _tensor_label(t: Tensor, show_grad: bool) -> str:
    lines = [t.name] if t.name else []
    lines.append(f"{t.shape} {t.dtype}")
    if show_grad and isinstance(t.grad, np.ndarray):
        lines.append(f"|grad| = {float(np.linalg.norm(t.grad.astype(np.float64))):.4g}")
        if t.grad.shape != t.shape:
            lines.append(f"grad shape {t.grad.shape}!")
    if t._ctx is None:
        lines.append("param" if type(t).__name__ == "Parameter" else "leaf" if t.requires_grad else "const")
    return "\n".join(lines)


def _as_roots(tensors: Tensor | Sequence[Tensor]) -> list[Tensor]:
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for i, t in enumerate(roots):
        if not isinstance(t, Tensor):
            raise TypeError(text("tools.to_dot_item", index=i, type=type(t).__name__))
    return roots


def to_dot(
    tensor_or_tensors: Tensor | Sequence[Tensor],
    *,
    highlight: Iterable[Tensor | Node | str] = (),
    show_grad: bool = True,
) -> str:
    """The graph that produced the tensor(s), as Graphviz DOT text.

    One box per tensor (name if set, shape, dtype, gradient norm if
    ``show_grad`` and a gradient is present, and ``param``/``leaf``/``const``
    for tensors no op produced) and one ellipse per op (``Node.op``), with
    edges input -> op -> output.  ``highlight`` lists tensors, op nodes
    (``t.grad_fn``) or op names (``"add"``) to draw in red: e.g. the
    ``offenders`` of a failed :func:`minigrad.diagnostics.gradcheck_report`.

    After ``backward()`` without ``retain_graph=True`` the op nodes have
    forgotten their inputs: their ellipses say "graph freed" and the graph's
    title says how to keep it.  The walk is the engine's own (iterative, so deep graphs are fine).
    """
    roots = _as_roots(tensor_or_tensors)
    marked = list(highlight)
    marked_ids = {id(h) for h in marked if not isinstance(h, str)}
    marked_ops = {h for h in marked if isinstance(h, str)}

    tensor_ids: dict[int, str] = {}
    node_ids: dict[int, str] = {}
    lines: list[str] = []
    input_edges: list[tuple[Tensor, str]] = []  # tensor -> op; the tensor's DOT id is known once it is visited
    output_edges: list[str] = []
    freed = False

    def box(t: Tensor) -> str:
        """The tensor's DOT id, drawing its box the first time it is met."""
        tid = tensor_ids.get(id(t))
        if tid is None:
            tid = tensor_ids[id(t)] = f"t{len(tensor_ids)}"
            red = f", {HIGHLIGHT}" if id(t) in marked_ids else ""
            lines.append(f"  {tid} [shape=box, label={_quote(_tensor_label(t, show_grad))}{red}];")
        return tid

    # The engine's own walk (outputs before inputs): the tensors that need a gradient.  Constants have no
    # op behind them, so each is drawn where an op reads it.
    expanded: set[int] = set()
    for root in roots:
        for t in topological_order(root):
            tid = box(t)
            node = t._ctx
            if node is None or id(t) in expanded:  # a tensor shared by two roots' graphs is expanded once
                continue
            expanded.add(id(t))
            nid = node_ids.get(id(node))
            if nid is None:  # each op once, however many outputs refer to it
                nid = node_ids[id(node)] = f"op{len(node_ids)}"
                node_freed = node.backward is None and not node.inputs
                freed |= node_freed
                label = node.op + ("\n(graph freed)" if node_freed else "")
                red = f", {HIGHLIGHT}" if id(node) in marked_ids or node.op in marked_ops else ""
                lines.append(f"  {nid} [shape=ellipse, label={_quote(label)}{red}];")
                for parent in node.inputs:
                    box(parent)
                    input_edges.append((parent, nid))
            output_edges.append(f"  {nid} -> {tid};")

    edges = [f"  {tensor_ids[id(parent)]} -> {nid};" for parent, nid in input_edges] + output_edges
    header = ["digraph minigrad {", "  rankdir=LR;"]
    if freed:
        note = "graph freed by backward(): ops have lost their inputs; use backward(retain_graph=True) to draw them"
        header.append(f"  label={_quote(note)};")
    # An input used twice by one op (x * x) keeps both edges: that is why its gradient is a sum.
    return "\n".join([*header, *lines, *edges, "}"]) + "\n"


def render(
    tensor_or_tensors: Tensor | Sequence[Tensor],
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    highlight: Iterable[Tensor | Node | str] = (),
    show_grad: bool = True,
) -> Path:
    """Write the graph to ``path`` as SVG, PNG or PDF (by ``format`` or the suffix); return the path.

    The DOT text is always written first, next to ``path`` with the suffix
    ``.dot``.  Rendering runs Graphviz's ``dot`` program; when it is not on
    PATH, :class:`GraphvizNotFoundError` says how to install it and where the
    ``.dot`` file is (any Graphviz viewer, or an online one, can open it).
    """
    target = Path(path)
    fmt = (format or target.suffix.lstrip(".") or "svg").lower()
    if fmt not in FORMATS:
        raise ValueError(text("tools.render_format", formats=", ".join(FORMATS), format=fmt))
    if target.suffix.lower() != f".{fmt}":
        target = target.with_name(target.name + f".{fmt}")
    dot_path = target.with_suffix(".dot")
    dot_path.write_text(to_dot(tensor_or_tensors, highlight=highlight, show_grad=show_grad))
    dot_program = shutil.which("dot")
    if dot_program is None:
        raise GraphvizNotFoundError(text("tools.graphviz_missing", target=target, dot_path=dot_path))
    done = subprocess.run(
        [dot_program, f"-T{fmt}", str(dot_path), "-o", str(target)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(text("tools.dot_failed", format=fmt, dot_path=dot_path, stderr=done.stderr.strip()))
    return target


__all__ = ["GraphvizNotFoundError", "render", "to_dot"]
