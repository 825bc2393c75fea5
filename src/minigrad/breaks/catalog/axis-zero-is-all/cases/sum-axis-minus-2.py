import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
v = np.random.default_rng(3).standard_normal(4)
out = x.sum(axis=-2)  # the same axis as 0, spelled differently
print("x =", x)
print("v =", v)
print("out =", out)
(out * v).sum().backward()
observed = {"out": out.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
