import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import softmax

z = Tensor(
    100.0 + np.random.default_rng(1).standard_normal((2, 5)), dtype=np.float32, requires_grad=True
)  # float32 overflows above ~88.7
probs = softmax(z, axis=-1)
print("z =", z)
print("probs =", probs)
(probs * np.random.default_rng(3).standard_normal((2, 5))).sum().backward()
observed = {"probs": probs.data.copy(), "z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
