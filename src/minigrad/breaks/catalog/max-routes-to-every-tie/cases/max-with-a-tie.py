import numpy as np

from minigrad import Tensor

data = np.random.default_rng(1).standard_normal((3, 4))
data[0, 1] = data[0, 3] = data[0].max() + 1.0  # two elements share row 0's maximum
x = Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)
print("data =", data)
print("x =", x)
(x.max(axis=1) * np.random.default_rng(3).standard_normal(3)).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
