import numpy as np

from minigrad import Tensor, cat

a, b, c = (
    Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True),
    Tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True),
    Tensor(np.random.default_rng(4).standard_normal((4, 3)), requires_grad=True),
)
print("a =", a)
print("b =", b)
print("c =", c)
(cat([a, b, c]) * np.random.default_rng(3).standard_normal((9, 3))).sum().backward()
observed = {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
