"""minigrad.viz: the DOT text's structure (nodes, edges, labels, highlight), freeing, and rendering."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from minigrad import Tensor, shape_check
from minigrad.diagnostics import gradcheck_report
from minigrad.nn.parameter import Parameter
from minigrad.tensor import result
from minigrad.viz import GraphvizNotFoundError, render, to_dot

NODE = re.compile(r'^  (\w+) \[shape=(box|ellipse), label="((?:[^"\\]|\\.)*)"(.*)\];$')
EDGE = re.compile(r"^  (\w+) -> (\w+);$")


def parse(dot: str) -> tuple[dict[str, tuple[str, str, str]], list[tuple[str, str]], list[str]]:
    """Nodes {id: (shape, label, attributes)}, edges, and the other lines; fails on any line it cannot read."""
    lines = dot.splitlines()
    assert lines[0] == "digraph minigrad {" and lines[-1] == "}"
    nodes: dict[str, tuple[str, str, str]] = {}
    edges: list[tuple[str, str]] = []
    other: list[str] = []
    for line in lines[1:-1]:
        if m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = (m.group(2), m.group(3).replace("\\n", "\n"), m.group(4))
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        else:
            other.append(line)
    for a, b in edges:
        assert a in nodes and b in nodes and {nodes[a][0], nodes[b][0]} == {"box", "ellipse"}  # tensor <-> op only
    return nodes, edges, other


def leaf(data: object, name: str = "", requires_grad: bool = True) -> Tensor:
    t = Tensor(data, requires_grad=requires_grad)
    t.name = name
    return t


def by_label(nodes: dict[str, tuple[str, str, str]], first_line: str) -> str:
    (node_id,) = [k for k, v in nodes.items() if v[1].split("\n")[0] == first_line]
    return node_id


def test_dot_structure_labels_and_edges() -> None:
    a, b = leaf(np.ones((2, 3)), "a"), leaf(np.full((2, 3), 2.0), "b")
    c = leaf(np.arange(3.0), "c", requires_grad=False)
    m = a * b
    m.name = "m"
    out = (m + c).sum()
    nodes, edges, other = parse(to_dot(out))
    assert other == ["  rankdir=LR;"]
    assert sorted(v[0] for v in nodes.values()) == ["box"] * 6 + ["ellipse"] * 3
    ops = {v[1] for v in nodes.values() if v[0] == "ellipse"}
    assert ops == {"mul", "add", "sum"}
    assert nodes[by_label(nodes, "a")][1] == "a\n(2, 3) float64\nleaf"
    assert nodes[by_label(nodes, "c")][1] == "c\n(3,) float64\nconst"
    assert nodes[by_label(nodes, "m")][1] == "m\n(2, 3) float64"
    mul, add, total = by_label(nodes, "mul"), by_label(nodes, "add"), by_label(nodes, "sum")
    expected = {
        (by_label(nodes, "a"), mul),
        (by_label(nodes, "b"), mul),
        (mul, by_label(nodes, "m")),
        (by_label(nodes, "m"), add),
        (by_label(nodes, "c"), add),
        (total, by_label(nodes, "() float64")),
    }
    assert expected <= set(edges) and len(edges) == 8
    assert all("color" not in v[2] for v in nodes.values())


def test_an_input_used_twice_has_two_edges_and_shared_tensors_appear_once() -> None:
    x = leaf(np.ones(3), "x")
    y = x * x
    y.name = "y"
    out = (y + y.exp()).sum()  # y feeds two ops: a diamond
    nodes, edges, _ = parse(to_dot(out))
    x_id, y_id = by_label(nodes, "x"), by_label(nodes, "y")
    assert edges.count((x_id, by_label(nodes, "mul"))) == 2
    assert len([e for e in edges if e[0] == y_id]) == 2
    assert len(nodes) == 5 + 4  # tensors x, y, exp(y), y + exp(y), the sum; ops mul, exp, add, sum


def test_highlight_tensors_nodes_and_op_names_in_red() -> None:
    a, b = leaf(np.ones(2), "a"), leaf(np.ones(2), "b")
    prod = a * b
    out = prod.tanh().sum()
    nodes, _, _ = parse(to_dot(out, highlight=[b, prod.grad_fn, "sum"]))
    red = {nodes[k][1].split("\n")[0] for k, v in nodes.items() if 'color="red"' in v[2]}
    assert red == {"b", "mul", "sum"}


def test_gradcheck_offenders_are_highlighted() -> None:
    a, b = leaf(np.array([0.3, -0.7]), "a"), leaf(np.array([1.2, 0.4]), "b")

    def half_wrong_mul(a: Tensor, b: Tensor) -> Tensor:  # b's gradient is missing its factor a
        return result(a.data * b.data, "mul", (a, b), lambda g: (g * b.data, g))

    report = gradcheck_report(lambda a, b: half_wrong_mul(a, b).sum(), [a, b])
    assert not report.ok and report.offenders == [b]
    out = half_wrong_mul(a, b).sum()
    nodes, _, _ = parse(to_dot(out, highlight=report.offenders))
    assert 'color="red"' in nodes[by_label(nodes, "b")][2] and 'color="red"' not in nodes[by_label(nodes, "a")][2]


def test_grad_norm_param_marker_and_retained_graph() -> None:
    w = Parameter(np.array([[1.0, 2.0], [3.0, 4.0]]))
    w.name = "w"
    x = leaf(np.array([0.5, -1.0]), "x")
    out = (w @ x).sum()
    out.backward(retain_graph=True)
    nodes, edges, other = parse(to_dot(out))
    # hand-derived: d sum(w @ x)/dw[i, j] = x[j]; d/dx[j] = sum_i w[i, j] = [4, 6]
    assert nodes[by_label(nodes, "w")][1] == f"w\n(2, 2) float64\n|grad| = {np.sqrt(2 * (0.25 + 1.0)):.4g}\nparam"
    assert nodes[by_label(nodes, "x")][1] == f"x\n(2,) float64\n|grad| = {np.sqrt(16 + 36):.4g}\nleaf"
    assert len(edges) == 5 and not any("freed" in line for line in other)
    no_grads, _, _ = parse(to_dot(out, show_grad=False))
    assert "grad" not in no_grads[by_label(no_grads, "w")][1]


def test_a_wrong_shaped_grad_is_flagged_in_the_label() -> None:
    a, b = leaf(np.ones((3, 1)), "a"), leaf(np.ones((3, 5)), "b")
    out = result(a.data + b.data, "add", (a, b), lambda g: (g, g)).sum()  # no unbroadcast
    with shape_check(False):
        out.backward(retain_graph=True)
    nodes, _, _ = parse(to_dot(out))
    assert nodes[by_label(nodes, "a")][1] == f"a\n(3, 1) float64\n|grad| = {np.sqrt(15):.4g}\ngrad shape (3, 5)!\nleaf"


def test_a_freed_graph_is_drawn_as_freed() -> None:
    x = leaf(np.ones(3), "x")
    out = x.exp().sum()
    out.backward()  # frees the graph: the sum node forgets its input
    nodes, edges, other = parse(to_dot(out))
    assert len(nodes) == 2 and len(edges) == 1
    assert nodes[by_label(nodes, "sum")][1] == "sum\n(graph freed)"
    assert any("graph freed by backward()" in line and "retain_graph=True" in line for line in other)


def test_deep_graph_multiple_roots_and_escaping() -> None:
    x = leaf(np.ones(2), 'say "hi"\\')
    k = Tensor(1.0001)
    y = x
    for _ in range(3000):  # deeper than Python's recursion limit would allow a recursive walk
        y = y * k
    other = x.exp()
    nodes, edges, _ = parse(to_dot([y, other]))
    assert len([v for v in nodes.values() if v[0] == "ellipse"]) == 3001
    assert len(nodes) == 3001 + 2 + 3000 + 1  # the ops; x and k (once each); the mul outputs; exp's output
    assert len(edges) == 3000 * 3 + 2
    assert nodes[by_label(nodes, 'say \\"hi\\"\\\\')][1].startswith('say \\"hi\\"')


def test_bad_inputs() -> None:
    with pytest.raises(TypeError, match="item 1 is a float, not a minigrad Tensor"):
        to_dot([Tensor(1.0), 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="format must be one of svg, png, pdf"):
        render(Tensor(1.0), "graph.gif")


# --------------------------------------------------------------------------- rendering


def small_graph() -> Tensor:
    a = leaf(np.ones(2), "a")
    return (a * a).sum()


def test_render_without_graphviz_writes_the_dot_file_and_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = small_graph()
    with pytest.raises(GraphvizNotFoundError) as info:
        render(out, tmp_path / "graph.svg")
    dot_file = tmp_path / "graph.dot"
    assert "apt-get install graphviz" in str(info.value) and str(dot_file) in str(info.value)
    assert dot_file.read_text() == to_dot(out)
    assert not (tmp_path / "graph.svg").exists()


def test_render_with_graphviz_when_installed(tmp_path: Path) -> None:
    out = small_graph()
    if shutil.which("dot") is None:  # no Graphviz here: the clear error is the expected behaviour
        with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
            render(out, tmp_path / "graph.svg")
        return
    svg = render(out, tmp_path / "graph.svg")
    assert svg == tmp_path / "graph.svg" and "<svg" in svg.read_text() and ">mul<" in svg.read_text()
    png = render(out, tmp_path / "graph", format="png")
    assert png == tmp_path / "graph.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
