import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import cross_entropy

z = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
targets = np.array([0, 3, 1])
print("z =", z)
print("targets =", targets)
cross_entropy(z, targets).backward()  # fused: softmax's backward is not used
observed = {"z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
