import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
print("x =", x)
(
    x
    / Tensor(np.asarray(1.5 + np.random.default_rng(2).random(4), dtype=np.float64))
    * np.random.default_rng(3).standard_normal(4)
).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
