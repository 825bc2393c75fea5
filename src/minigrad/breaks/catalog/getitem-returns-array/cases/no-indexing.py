import numpy as np

from minigrad import Tensor

x = Tensor(np.array([0.5, -1.0, 2.0, 0.25]), requires_grad=True)
w = Tensor(np.array([1.5, 0.3, -0.7, 2.0]), requires_grad=True)
print("x =", x)
print("w =", w)
(x * w + x * x).sum().backward()
observed = {"x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
