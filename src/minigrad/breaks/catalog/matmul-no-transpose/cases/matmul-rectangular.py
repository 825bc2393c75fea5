import numpy as np

from minigrad import Tensor

a, b = (
    Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True),
    Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True),
)
print("a =", a)
print("b =", b)
((a @ b) * np.random.default_rng(3).standard_normal((2, 4))).sum().backward()
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
