import numpy as np

from minigrad import Tensor

x = Tensor(np.array([0.8, -1.5, 2.0]), requires_grad=True)
w = Tensor(np.array([0.5, 1.0, -2.0]), requires_grad=True)
print("x =", x)
print("w =", w)
h = x * w
h.retain_grad()
h.sum().backward()  # dh = 1, dx = w, dw = x
observed = {"h.grad": h.grad, "x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
