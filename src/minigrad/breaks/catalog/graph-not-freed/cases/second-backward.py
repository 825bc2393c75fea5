import numpy as np

from minigrad import Tensor
from minigrad.engine import GraphFreedError

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
w = np.random.default_rng(2).standard_normal((3, 4))
loss = (x * w).tanh().sum()
print("x =", x)
print("w =", w)
print("loss =", loss)
loss.backward()
try:
    loss.backward()  # the correct engine refuses: the graph is gone
    refused = False
except GraphFreedError:
    refused = True
observed = {"second backward refused": refused, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
