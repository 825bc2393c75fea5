import numpy as np

from minigrad import Tensor, no_grad
from minigrad.nn.normalization import BatchNorm1d

mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
std = np.array([2.0, 0.5, 1.0])
x = Tensor(mean + std * np.random.default_rng(3).standard_normal((1, 3)), requires_grad=True)  # one example
v = np.random.default_rng(4).standard_normal((1, 3))  # a random upstream gradient
layer = BatchNorm1d(3)
print("mean =", mean)
print("std =", std)
print("x =", x)
print("v =", v)
print("layer =", layer)
with no_grad():  # training: 30 batches of 8 (train mode, which the break leaves alone)
    for seed in range(100, 130):
        layer(Tensor(mean + std * np.random.default_rng(seed).standard_normal((8, 3))))
layer.eval()  # inference
y = layer(x)
(y * v).sum().backward()
observed = {"y": y.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
