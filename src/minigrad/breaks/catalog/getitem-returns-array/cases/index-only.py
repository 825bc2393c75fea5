import numpy as np

from minigrad import Tensor

x = Tensor(np.array([0.5, -1.0, 2.0, 0.25]), requires_grad=True)
print("x =", x)
(x[0] * x[1]).backward()  # d(x0 x1)/dx = (x1, x0, 0, 0)
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
