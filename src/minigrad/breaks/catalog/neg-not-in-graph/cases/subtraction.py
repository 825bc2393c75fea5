import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
y = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal(3)
print("x =", x)
print("y =", y)
print("v =", v)
((x - y) * v).sum().backward()  # sub is its own op, not x + (-y)
observed = {"x.grad": x.grad, "y.grad": y.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
