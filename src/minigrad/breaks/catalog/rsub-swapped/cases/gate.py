import numpy as np

from minigrad import Tensor

z = Tensor(np.random.default_rng(1).random(3), requires_grad=True)
h = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal(3)
out = (1.0 - z) * h  # a GRU-style gate: keep 1 - z of the old state
print("z =", z)
print("h =", h)
print("v =", v)
print("out =", out)
(out * v).sum().backward()
observed = {"out": out.data, "z.grad": z.grad, "h.grad": h.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
