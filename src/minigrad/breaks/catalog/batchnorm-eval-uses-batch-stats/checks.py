"""batchnorm-eval-uses-batch-stats: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....engine import no_grad
from ....messages import text
from ....nn import BatchNorm1d
from ....tensor import Tensor
from ...shared.modules import Array, _differs, _torch, _worst, leaf

BN_MEAN = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
BN_STD = np.array([2.0, 0.5, 1.0])


def _bn_batch(seed: int, n: int = 8, shift: float = 0.0) -> Array:
    """``n`` examples of 3 channels from N(BN_MEAN + shift, BN_STD**2) (the torch check's batches)."""
    return np.asarray(BN_MEAN + shift + BN_STD * np.random.default_rng(seed).standard_normal((n, 3)), dtype=np.float64)


def _batchnorm_eval_differs_from_torch() -> str:
    """torch.nn.BatchNorm1d and minigrad's, trained on the same batches, then in eval: outputs and input grads."""
    torch = _torch()
    mine = BatchNorm1d(3)
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    with no_grad(), torch.no_grad():
        for seed in range(5):
            batch = _bn_batch(200 + seed)
            mine(Tensor(batch))
            theirs(torch.from_numpy(batch))
    mine.eval()
    theirs.eval()
    problems = []
    for label, batch in (("one_example", _bn_batch(210, n=1)), ("shifted_batch", _bn_batch(211, shift=3.0))):
        upstream = np.random.default_rng(212).standard_normal(batch.shape)
        x = leaf(batch)
        y = mine(x)
        (y * upstream).sum().backward()
        tx = torch.tensor(batch, requires_grad=True)
        ty = theirs(tx)
        ty.backward(torch.from_numpy(upstream))
        ref = ty.detach().numpy()
        if _differs(y.data, ref) or _differs(x.grad, tx.grad.numpy()):
            problems.append(
                text("lab.check.batchnorm_problem", batch=text(f"lab.check.{label}"), diff=_worst(y.data, ref))
            )
    if not problems:
        return ""
    return text("lab.check.batchnorm_eval", problems=text("lab.check.and_on").join(problems))


CHECKS = {"torch-batchnorm-eval": _batchnorm_eval_differs_from_torch}
