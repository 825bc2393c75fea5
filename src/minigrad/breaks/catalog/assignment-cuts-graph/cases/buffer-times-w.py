import numpy as np

from minigrad import Tensor

w = Tensor(np.array([2.0]), requires_grad=True)
buf = Tensor(np.zeros(2))
buf[0:1] = w * 3  # buf = (3w, 0)
print("w =", w)
print("buf =", buf)
(buf * w).sum().backward()  # d(3w * w)/dw = 6w = 12
observed = {"w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
