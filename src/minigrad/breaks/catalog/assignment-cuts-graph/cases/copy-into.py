import numpy as np

from minigrad import Tensor

w = Tensor(np.array([2.0]), requires_grad=True)
c = Tensor(np.zeros(1))
c.copy_(w * 3)  # c = 3w
print("w =", w)
print("c =", c)
(c * w).sum().backward()  # d(3w * w)/dw = 6w = 12
observed = {"w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
