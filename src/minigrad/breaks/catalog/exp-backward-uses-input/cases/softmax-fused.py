import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import softmax

z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((2, 5))
print("z =", z)
print("v =", v)
(softmax(z, axis=-1) * v).sum().backward()  # one node with its own backward: no exp op
observed = {"z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
