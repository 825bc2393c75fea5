import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import softmax

z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
print("z =", z)
(softmax(z, axis=-1) * np.random.default_rng(3).standard_normal((2, 5))).sum().backward()
observed = {"z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
