"""A tiny scalar engine in the micrograd style, written for the tests: the reference for "what another engine shows".

Every node keeps its own ``grad`` (intermediates included) across calls, each op stores a
``_backward`` closure that adds into its inputs' ``grad``, and nothing is ever freed.  ``backward``
has three walks: the correct one (reverse topological order), and two ways of getting it wrong that
a learner writes in this style.
"""

from __future__ import annotations

import math
from collections.abc import Callable


class Node:
    def __init__(self, data: float, parents: tuple[Node, ...] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self.parents = parents
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: Node | float) -> Node:
        other = other if isinstance(other, Node) else Node(other)
        out = Node(self.data + other.data, (self, other))

        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: Node | float) -> Node:
        other = other if isinstance(other, Node) else Node(other)
        out = Node(self.data * other.data, (self, other))

        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def exp(self) -> Node:
        out = Node(math.exp(self.data), (self,))

        def backward() -> None:
            self.grad += out.data * out.grad

        out._backward = backward
        return out

    def tanh(self) -> Node:
        out = Node(math.tanh(self.data), (self,))

        def backward() -> None:
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = backward
        return out

    def backward(self, walk: str = "topological") -> None:
        """``walk``: "topological" (correct), "discovery" (each node once, in the order a depth-first walk
        from the output meets it: the order minigrad's break leaves), or "recursive" (call ``_backward``
        on every path that reaches a node, with no order and no visited set)."""
        self.grad = 1.0
        if walk == "recursive":

            def visit(node: Node) -> None:
                node._backward()
                for parent in node.parents:
                    visit(parent)

            visit(self)
            return
        order: list[Node] = []
        seen: set[int] = set()

        def post_order(node: Node) -> None:  # children first: the reverse is a topological order
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    post_order(parent)
                order.append(node)

        def pre_order(node: Node) -> None:
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
                for parent in node.parents:
                    pre_order(parent)

        if walk == "topological":
            post_order(self)
            order.reverse()
        elif walk == "discovery":
            pre_order(self)
        else:
            raise ValueError(f"unknown walk {walk!r}")
        for node in order:
            node._backward()
