import numpy as np

from minigrad import Tensor
from minigrad.nn.normalization import BatchNorm1d

mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
std = np.array([2.0, 0.5, 1.0])
x = Tensor(mean + std * np.random.default_rng(1).standard_normal((8, 3)), requires_grad=True)
v = np.random.default_rng(2).standard_normal((8, 3))  # a random upstream gradient
layer = BatchNorm1d(3)
print("mean =", mean)
print("std =", std)
print("x =", x)
print("v =", v)
print("layer =", layer)
layer.train()  # training mode (the default): the batch's own statistics
y = layer(x)
(y * v).sum().backward()
weight, _ = layer.parameters()  # the per-channel gain and bias
buffers = layer.state_dict()
observed = {
    "y": y.data,
    "x.grad": x.grad,
    "weight.grad": weight.grad,
    "running_mean": buffers["running_mean"],
    "running_var": buffers["running_var"],
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
