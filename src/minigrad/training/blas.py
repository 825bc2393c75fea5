"""One BLAS thread while the training code runs.

The matrices here are small (at most a few hundred rows by 128 columns).
OpenBLAS splits such a product across all cores anyway, and when another
process competes for those cores its threads wait on each other: on a loaded
2-core machine `minigrad experiment init` took 98 s with two BLAS threads and
6.5 s with one.  One thread also makes the numbers independent of the core
count.  NumPy has no public switch for this, so :func:`single_blas_thread`
calls OpenBLAS's own ``openblas_set_num_threads`` on the copy NumPy loaded
(found in ``/proc/self/maps``); elsewhere (macOS Accelerate, Windows, MKL) it
does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator

# (set, get) symbol pairs: NumPy's wheels ship OpenBLAS with a "scipy_" prefix and a 64-bit-int suffix.
_SYMBOLS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)


def _loaded_openblas() -> tuple[ctypes._NamedFuncPointer, ctypes._NamedFuncPointer] | None:
    """OpenBLAS's thread-count setter and getter, if this process has OpenBLAS loaded."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1].lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in _SYMBOLS:
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                return getattr(lib, set_name), getattr(lib, get_name)
    return None


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the body with OpenBLAS on one thread; restore the previous count on exit."""
    blas = _loaded_openblas()
    if blas is None:
        yield
        return
    set_threads, get_threads = blas
    before = int(get_threads())
    set_threads(1)
    try:
        yield
    finally:
        set_threads(before)
