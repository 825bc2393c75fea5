import numpy as np

from minigrad import Tensor

x = Tensor(
    np.asarray(40.0 + np.random.default_rng(1).standard_normal(4), dtype=np.float64), requires_grad=True
)  # s rounds to 1: the true slope s * (1 - s) is exactly 0
print("x =", x)
(x.sigmoid() * np.random.default_rng(3).standard_normal(4)).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
