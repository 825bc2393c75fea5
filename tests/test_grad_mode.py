"""Grad mode: ``no_grad`` / ``enable_grad`` as context managers and decorators, under nesting, recursion and threads.

PyTorch's grad mode is thread-local and its decorator form enters a fresh
context on every call; these tests hold minigrad to the same contract.  Each
one failed before grad mode moved to a per-thread stack (the old context
objects kept one ``_prev`` per instance and the mode was process-wide).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest

import minigrad
from minigrad import Tensor


def _records_graph() -> bool:
    """Whether an op on a leaf that requires grad records a node, here and now."""
    return (Tensor(np.ones(2), requires_grad=True) * 2.0).grad_fn is not None


def test_nested_blocks_restore_each_mode_in_turn() -> None:
    with minigrad.no_grad():
        assert not minigrad.is_grad_enabled() and not _records_graph()
        with minigrad.enable_grad():
            assert minigrad.is_grad_enabled() and _records_graph()
            with minigrad.no_grad():
                assert not _records_graph()
            assert _records_graph()
        assert not _records_graph()
    assert minigrad.is_grad_enabled() and _records_graph()


def test_one_instance_entered_twice_restores_the_outer_mode() -> None:
    # The old no_grad stored the previous mode on the instance: the inner entry overwrote it with False.
    quiet = minigrad.no_grad()
    with quiet:
        with quiet:
            assert not minigrad.is_grad_enabled()
        assert not minigrad.is_grad_enabled()
    assert minigrad.is_grad_enabled()


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_a_recursive_decorated_function_leaves_grad_mode_on(depth: int) -> None:
    modes: list[bool] = []

    @minigrad.no_grad()
    def countdown(n: int) -> int:
        modes.append(minigrad.is_grad_enabled())
        return 0 if n == 0 else 1 + countdown(n - 1)

    assert countdown(depth) == depth
    assert modes == [False] * (depth + 1)
    assert minigrad.is_grad_enabled() and _records_graph()


def test_enable_grad_decorator_inside_no_grad_recursion_restores_no_grad() -> None:
    @minigrad.enable_grad()
    def builds(n: int) -> bool:
        inner = _records_graph()
        return inner and (n == 0 or builds(n - 1))

    with minigrad.no_grad():
        assert builds(3)
        assert not minigrad.is_grad_enabled()
    assert minigrad.is_grad_enabled()


def test_decorator_restores_the_mode_when_the_function_raises_and_keeps_its_name() -> None:
    @minigrad.no_grad()
    def fails() -> None:
        """Always raises."""
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fails()
    assert minigrad.is_grad_enabled()
    assert fails.__name__ == "fails" and fails.__doc__ == "Always raises."


def _in_thread(fn: Callable[[], object]) -> object:
    out: list[object] = []
    worker = threading.Thread(target=lambda: out.append(fn()))
    worker.start()
    worker.join(timeout=30)
    assert out, "the worker thread did not finish"
    return out[0]


def test_a_new_thread_records_a_graph_while_the_creating_thread_is_in_no_grad() -> None:
    with minigrad.no_grad():
        assert _in_thread(_records_graph) is True
        assert not minigrad.is_grad_enabled()
    assert minigrad.is_grad_enabled()


def test_no_grad_in_a_thread_does_not_switch_off_the_main_thread() -> None:
    entered, checked = threading.Event(), threading.Event()

    def worker() -> bool:
        with minigrad.no_grad():
            entered.set()
            assert checked.wait(timeout=30)
            return minigrad.is_grad_enabled()

    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(worker()))
    thread.start()
    assert entered.wait(timeout=30)
    main_records = _records_graph()  # while the worker is inside its no_grad block
    checked.set()
    thread.join(timeout=30)
    assert main_records is True
    assert result == [False]
    assert minigrad.is_grad_enabled()


def test_two_threads_in_one_decorated_function_exit_out_of_order_and_both_restore() -> None:
    # Thread A enters first and leaves first: with one _prev per instance (or a shared stack), B's exit
    # would restore A's state or vice versa.  Each thread must get back exactly the mode it had.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    @minigrad.no_grad()
    def body(me: str) -> bool:
        if me == "a":
            a_in.set()
            assert b_in.wait(timeout=30)
        else:
            b_in.set()
            assert a_out.wait(timeout=30)
        return minigrad.is_grad_enabled()

    after: dict[str, tuple[bool, bool]] = {}

    def run(me: str, start_in_no_grad: bool) -> None:
        if start_in_no_grad:
            with minigrad.no_grad():
                inside = body(me)
                after[me] = (inside, minigrad.is_grad_enabled())
        else:
            inside = body(me)
            after[me] = (inside, minigrad.is_grad_enabled())
        if me == "a":
            a_out.set()

    threads = [threading.Thread(target=run, args=("a", False)), threading.Thread(target=run, args=("b", True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert after == {"a": (False, True), "b": (False, False)}
    assert minigrad.is_grad_enabled()


def test_decorators_without_parentheses_work_as_in_pytorch() -> None:
    @minigrad.no_grad
    def quiet(n: int) -> bool:
        return quiet(n - 1) if n else minigrad.is_grad_enabled()

    @minigrad.enable_grad
    def loud() -> bool:
        return _records_graph()

    assert quiet(3) is False
    assert minigrad.is_grad_enabled()
    with minigrad.no_grad():
        assert loud() is True
        assert not minigrad.is_grad_enabled()
