import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((3, 4))
u = np.random.default_rng(4).standard_normal((3, 4))
h = x.tanh()  # h feeds two branches: its gradient is the sum of both
print("x =", x)
print("v =", v)
print("u =", u)
print("h =", h)
(h * v + h.exp() * u).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
