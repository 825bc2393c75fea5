import numpy as np

from minigrad import Tensor

z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((2, 5))
e = z.exp()
print("z =", z)
print("v =", v)
print("e =", e)
((e / e.sum(axis=-1, keepdims=True)) * v).sum().backward()
observed = {"z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
