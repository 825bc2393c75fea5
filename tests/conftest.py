"""Test-session settings.

One BLAS thread: the suite's matrices are small, and a multithreaded BLAS
competing with another process for two cores makes small matmuls 50-100x
slower.  Set before NumPy is imported by any test module.
"""

import os
from collections.abc import Iterator

import pytest

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


@pytest.fixture(autouse=True)
def _no_break_left_on() -> Iterator[None]:
    """Every test starts and ends on correct code: no break of the breaks lab is left switched on."""
    from minigrad.breaks import active

    assert active() == [], f"a break is on before the test: {active()}"
    yield
    assert active() == [], f"the test left a break on: {active()}"
