import numpy as np

from minigrad import Tensor

x = Tensor(np.array([0.8, -1.5, 2.0]), requires_grad=True)
print("x =", x)
x.sum().backward()  # dx = 1
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
