import numpy as np

from minigrad import Tensor, stack

a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
c = Tensor(np.random.default_rng(4).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal((3, 3))
print("a =", a)
print("b =", b)
print("c =", c)
print("v =", v)
(stack([a, b, c]) * v).sum().backward()
observed = {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
