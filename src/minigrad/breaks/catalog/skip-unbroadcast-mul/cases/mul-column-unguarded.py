import numpy as np

from minigrad import Tensor, shape_check

x = Tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
col = Tensor(np.random.default_rng(2).standard_normal((3, 1)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((3, 5))
print("x =", x)
print("col =", col)
print("v =", v)
with shape_check(False):
    (x * col * v).sum().backward()
observed = {"x.grad": x.grad, "col.grad": col.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
