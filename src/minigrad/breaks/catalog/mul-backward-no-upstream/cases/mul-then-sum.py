import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
print("x =", x)
print("w =", w)
(x * w).sum().backward()  # sum hands every product g = 1
observed = {"x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
