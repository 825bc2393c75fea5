import numpy as np

from minigrad import Tensor

x = Tensor(np.asarray(np.ones(4), dtype=np.float64), requires_grad=True)
print("x =", x)
(x**2 * np.random.default_rng(3).standard_normal(4)).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
