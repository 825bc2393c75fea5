"""Test-session settings.

One BLAS thread: the suite's matrices are small, and a multithreaded BLAS
competing with another process for two cores makes small matmuls 50-100x
slower.  Set before NumPy is imported by any test module.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
