import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal(3)
out = x - 2.0
print("x =", x)
print("v =", v)
print("out =", out)
(out * v).sum().backward()
observed = {"out": out.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
