import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
print("x =", x)
(x.var(axis=1) * np.random.default_rng(3).standard_normal(3)).sum().backward()  # correction=1: divides by N - 1 = 4
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
