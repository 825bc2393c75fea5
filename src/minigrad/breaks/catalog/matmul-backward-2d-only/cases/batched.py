import numpy as np

from minigrad import Tensor

a = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
b = Tensor(np.random.default_rng(2).standard_normal((2, 4, 5)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((2, 3, 5))
print("a =", a)
print("b =", b)
print("v =", v)
((a @ b) * v).sum().backward()  # e.g. attention scores per head
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
