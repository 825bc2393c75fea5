import numpy as np

from minigrad import Tensor

a = Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
b = Tensor(np.random.default_rng(2).standard_normal((2, 3)), requires_grad=True)
v = np.random.default_rng(3).standard_normal(3)
print("a =", a)
print("b =", b)
print("v =", v)
((a + b).sum(axis=0) * v).sum().backward()  # sum(axis=0) spreads g back with np.broadcast_to: a read-only view
((a + b).sum(axis=0) * v).sum().backward()
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
