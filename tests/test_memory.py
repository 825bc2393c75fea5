"""keep_freed_memory: an opt-in allocator setting that the command line uses and `import minigrad` never does."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import minigrad.cli
from minigrad.memory import MMAP_THRESHOLD_MAX, keep_freed_memory

# Allocate and free 24 MiB of arrays per round, as a training step does, and count the
# minor page faults of the last rounds, once the heap has reached its working size.
FAULTS_PER_ROUND = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    import minigrad
    from minigrad.memory import keep_freed_memory
    if sys.argv[1] == "keep":
        assert keep_freed_memory()
    def one_round():
        arrays = [np.ones(2**18) for _ in range(12)]  # 2 MiB each, zero-filled pages when fresh
        return sum(float(a[-1]) for a in arrays)
    for _ in range(5):
        one_round()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        one_round()
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
    """
)


def faults_per_round(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", FAULTS_PER_ROUND, mode], capture_output=True, text=True, check=True, timeout=60
    )
    return float(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_keeping_freed_memory_stops_the_faults_of_each_round() -> None:
    # 24 MiB fresh each round is about 6,000 pages; kept, the rounds reuse the same memory
    default, kept = faults_per_round("default"), faults_per_round("keep")
    assert default > 3000, default
    assert kept < 100, kept


def test_importing_minigrad_leaves_the_allocator_alone() -> None:
    # the same rounds with minigrad imported but the setting not asked for still fault
    assert faults_per_round("default") > 3000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"trim_threshold": -1}, "trim_threshold must be an int from 0 to 2147483647 (bytes), got -1"),
        ({"trim_threshold": 2**31}, "trim_threshold must be an int from 0 to 2147483647"),
        ({"mmap_threshold": MMAP_THRESHOLD_MAX + 1}, f"mmap_threshold must be an int from 0 to {MMAP_THRESHOLD_MAX}"),
        ({"mmap_threshold": 1.5}, "got 1.5"),
        ({"trim_threshold": True}, "got True"),
    ],
)
def test_bad_thresholds_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        keep_freed_memory(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("env", "called"), [(None, True), ("1", True), ("0", False)])
def test_the_command_line_keeps_freed_memory_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: str | None, called: bool
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(minigrad.cli, "keep_freed_memory", lambda: calls.append(True) or True)
    if env is None:
        monkeypatch.delenv("MINIGRAD_KEEP_FREED_MEMORY", raising=False)
    else:
        monkeypatch.setenv("MINIGRAD_KEEP_FREED_MEMORY", env)
    assert minigrad.cli.main(["breaks", "list"]) == 0
    capsys.readouterr()
    assert calls == ([True] if called else [])
