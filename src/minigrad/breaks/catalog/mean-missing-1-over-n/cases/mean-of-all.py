import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
print("x =", x)
x.mean().backward()  # d mean / dx = 1 / 12 everywhere
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
