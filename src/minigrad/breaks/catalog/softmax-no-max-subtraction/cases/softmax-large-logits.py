import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import softmax

z = Tensor(
    np.asarray(1000.0 + np.random.default_rng(1).standard_normal((2, 5)), dtype=np.float64), requires_grad=True
)  # e.g. unnormalized scores, or a temperature of 1e-3
probs = softmax(z, axis=-1)
print("z =", z)
print("probs =", probs)
(probs * np.random.default_rng(3).standard_normal((2, 5))).sum().backward()
observed = {"probs": probs.data.copy(), "z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
