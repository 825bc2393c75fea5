import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
c = Tensor(np.random.default_rng(2).standard_normal(3))
print("x =", x)
print("c =", c)
(x * c).sum().backward()
c.add_(1.0)  # after backward: nothing is waiting to read c
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
