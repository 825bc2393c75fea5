"""An opt-in allocator setting: keep freed memory in the process instead of handing it back to the OS.

Why it matters: NumPy takes every array's memory from the C allocator.  glibc
maps arrays of 128 KiB and more, or returns the free top of its heap to the OS
once it exceeds a threshold (the trim threshold).  A training step allocates
and frees many such arrays, so every step asks the OS for the same memory again
and the kernel zero-fills it page by page: the minor page faults counted by
``benchmarks/bench.py``.  On MiniGPT's training loop that is about a third of
the run's time.  Hand-written NumPy code has the same cost.

Nothing in minigrad calls this on import: the allocator belongs to the whole
process, and a library must not change it behind its user's back.  The
``minigrad`` command line calls it, because a program may choose its own
allocator (``MINIGRAD_KEEP_FREED_MEMORY=0`` turns that off).  The same effect,
for any program, without code: the environment variables
``MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456``.

The cost: memory freed by one step stays reserved by the process (up to the
trim threshold, 256 MiB by default) instead of going back to the OS.
"""

from __future__ import annotations

import ctypes
import sys

# mallopt parameter numbers, from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# glibc's largest accepted mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX)
MMAP_THRESHOLD_MAX = 32 * 2**20
_INT_MAX = 2**31 - 1  # mallopt takes a C int


def keep_freed_memory(trim_threshold: int = 256 * 2**20, mmap_threshold: int = MMAP_THRESHOLD_MAX) -> bool:
    """Tell glibc to serve arrays up to ``mmap_threshold`` bytes from its heap, and to return free heap to the OS
    only beyond ``trim_threshold`` bytes.  Returns True when glibc accepted both settings; False elsewhere
    (macOS, Windows, musl), where it changes nothing.

    >>> keep_freed_memory(trim_threshold=-1)
    Traceback (most recent call last):
    ...
    ValueError: keep_freed_memory: trim_threshold must be an int from 0 to 2147483647 (bytes), got -1
    """
    for name, value, upper in (
        ("trim_threshold", trim_threshold, _INT_MAX),
        ("mmap_threshold", mmap_threshold, MMAP_THRESHOLD_MAX),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
            raise ValueError(f"keep_freed_memory: {name} must be an int from 0 to {upper} (bytes), got {value!r}")
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # musl and other C libraries export a mallopt that accepts nothing and returns 0
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold))
