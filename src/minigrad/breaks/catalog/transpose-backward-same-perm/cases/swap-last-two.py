import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
print("x =", x)
(x.permute(0, 2, 1) * np.random.default_rng(3).standard_normal((2, 4, 3))).sum().backward()  # a swap is its own inverse
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
