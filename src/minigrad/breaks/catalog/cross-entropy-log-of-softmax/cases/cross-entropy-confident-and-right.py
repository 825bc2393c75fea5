import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import cross_entropy

z = np.random.default_rng(1).standard_normal((3, 4))
print("z =", z)
z[0, 0] += 800.0  # row 0 is sure of class 0, and its target is class 0
logits = Tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
loss = cross_entropy(logits, np.array([0, 3, 1]))
loss.backward()
observed = {"loss": loss.data.copy(), "logits.grad": logits.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
