import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal(3)
h = x
print("x =", x)
print("v =", v)
print("h =", h)
for _ in range(300):
    h = h * 0.999
(h * v).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
