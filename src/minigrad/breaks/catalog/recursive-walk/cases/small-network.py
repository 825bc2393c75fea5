import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
w = Tensor(np.random.default_rng(2).standard_normal((3, 5)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((4, 5))
print("x =", x)
print("w =", w)
print("v =", v)
((x @ w).tanh() * v).sum().backward()
observed = {"x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
