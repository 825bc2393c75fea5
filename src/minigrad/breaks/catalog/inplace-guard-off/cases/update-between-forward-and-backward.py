import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
c = Tensor(np.random.default_rng(2).standard_normal(3))
loss = (x * c).sum()  # mul saves c: dL/dx = c
print("x =", x)
print("c =", c)
print("loss =", loss)
c.add_(1.0)  # in place, before backward
try:
    loss.backward()
    refused = False
except RuntimeError:
    refused = True
observed = {"backward refused": refused, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
