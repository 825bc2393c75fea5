import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
h = (x * w).tanh()
print("x =", x)
print("w =", w)
print("h =", h)
for _ in range(6):  # every level reads the one below three times; the 0.5 keeps h in (-1, 1)
    h = (h * h + h) * 0.5
h.sum().backward()
observed = {"x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
