import numpy as np

from minigrad import Tensor, no_grad
from minigrad.nn.normalization import BatchNorm1d

mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
std = np.array([2.0, 0.5, 1.0])
x = mean + 3.0 + std * np.random.default_rng(8).standard_normal((64, 3))  # 3 units above the training mean
layer = BatchNorm1d(3)
print("mean =", mean)
print("std =", std)
print("x =", x)
print("layer =", layer)
with no_grad():  # training: 30 batches of 8 (train mode, which the break leaves alone)
    for seed in range(100, 130):
        layer(Tensor(mean + std * np.random.default_rng(seed).standard_normal((8, 3))))
layer.eval()  # inference
y = layer(Tensor(x)).data
observed = {"per-channel mean of y": y.mean(axis=0), "per-channel std of y": y.std(axis=0)}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
