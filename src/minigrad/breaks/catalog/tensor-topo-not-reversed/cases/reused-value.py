import numpy as np

from minigrad import Tensor

x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
v = np.array([1.5, -0.7, 0.3])
print("x =", x)
print("v =", v)
((x + x.exp()) * v).sum().backward()  # dx = v * (1 + exp(x))
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
