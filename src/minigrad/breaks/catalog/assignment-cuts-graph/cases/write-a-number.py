import numpy as np

from minigrad import Tensor

w = Tensor(np.array([2.0]), requires_grad=True)
buf = Tensor(np.zeros(2))
buf[0] = 5.0  # a constant written into a buffer: nothing to record
print("w =", w)
print("buf =", buf)
(buf * w).sum().backward()
observed = {"w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
