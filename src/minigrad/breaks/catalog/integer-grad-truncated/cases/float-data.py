import numpy as np

from minigrad import Tensor

x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
print("x =", x)
(x * np.array([0.5, 1.7, -2.5])).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
