"""Diagnostics that prove gradients right, or show where they are wrong.

- :func:`gradcheck` / :func:`gradcheck_report`: ``backward()`` against central
  finite differences in float64, for Tensor and scalar ``Value`` functions.
- :func:`gradgradcheck`: not available (first-order engine); raises and says why.
- :func:`crosscheck`: the same function in minigrad and PyTorch float64,
  forward and gradients compared.
- :func:`check_grad_shapes`: the after-backward invariant ``grad.shape == data.shape``.
- :mod:`~minigrad.diagnostics.sequence_probes`: behavioural probes of attention models (causality,
  permutation, scale, shift), for bugs whose gradients are right for the wrong function.

The engine's own guards complete the set: the per-contribution shape check
(``minigrad.set_shape_check``), ``minigrad.detect_anomaly()`` and the in-place
version counter.  ``minigrad.viz`` draws a graph with flagged nodes in red.
"""

from .crosscheck import CrosscheckError, CrosscheckResult, Difference, crosscheck
from .grad_shape_check import check_grad_shapes, grad_shape_problems
from .gradcheck import GradcheckError, GradcheckReport, InputCheck, gradcheck, gradcheck_report, gradgradcheck
from .namespaces import MinigradFunctions, TorchFunctions
from .sequence_probes import ProbeResult, causality_probe, permutation_probe, scale_probe, shift_probe

__all__ = [
    "CrosscheckError",
    "CrosscheckResult",
    "Difference",
    "GradcheckError",
    "GradcheckReport",
    "InputCheck",
    "MinigradFunctions",
    "ProbeResult",
    "TorchFunctions",
    "causality_probe",
    "check_grad_shapes",
    "crosscheck",
    "grad_shape_problems",
    "gradcheck",
    "gradcheck_report",
    "gradgradcheck",
    "permutation_probe",
    "scale_probe",
    "shift_probe",
]
