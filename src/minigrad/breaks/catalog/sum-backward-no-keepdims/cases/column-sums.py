import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
w = np.random.default_rng(3).standard_normal(3)
print("x =", x)
print("w =", w)
(x.sum(axis=0) * w).sum().backward()  # a reduction over the leading (batch) axis
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
