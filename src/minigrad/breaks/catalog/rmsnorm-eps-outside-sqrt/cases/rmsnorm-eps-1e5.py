import numpy as np

from minigrad import Tensor
from minigrad.nn.normalization import RMSNorm
from minigrad.nn.parameter import Parameter

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
v = np.random.default_rng(9).standard_normal((3, 4))  # a random upstream gradient
layer = RMSNorm(4, eps=1e-5)
layer.weight = Parameter(np.array([0.5, 1.5, -1.0, 2.0]))
y = layer(x)
print("x =", x)
print("v =", v)
print("layer =", layer)
print("y =", y)
(y * v).sum().backward()
observed = {"y": y.data, "x.grad": x.grad, "weight.grad": layer.weight.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
