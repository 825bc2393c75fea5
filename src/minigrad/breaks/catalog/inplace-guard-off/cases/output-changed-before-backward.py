import numpy as np

from minigrad import Tensor, no_grad

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
v = np.random.default_rng(2).standard_normal(3)
y = x.exp()  # exp's backward reads its own output: dL/dx = g * exp(x)
print("x =", x)
print("v =", v)
print("y =", y)
with no_grad():
    y.mul_(2.0)
try:
    (y * v).sum().backward()
    refused = False
except RuntimeError:
    refused = True
observed = {"backward refused": refused, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
