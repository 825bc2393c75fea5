import numpy as np

from minigrad import Tensor, no_grad
from minigrad.nn.normalization import BatchNorm1d

mean = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
std = np.array([2.0, 0.5, 1.0])
example = mean + std * np.random.default_rng(5).standard_normal((1, 3))
others_a = mean + std * np.random.default_rng(6).standard_normal((7, 3))
others_b = mean + 2.0 + std * np.random.default_rng(7).standard_normal((7, 3))  # 2 units above the mean
layer = BatchNorm1d(3)
print("mean =", mean)
print("std =", std)
print("example =", example)
print("others_a =", others_a)
print("others_b =", others_b)
print("layer =", layer)
with no_grad():  # training: 30 batches of 8 (train mode, which the break leaves alone)
    for seed in range(100, 130):
        layer(Tensor(mean + std * np.random.default_rng(seed).standard_normal((8, 3))))
layer.eval()  # inference: the same example in two batches
in_batch_a = layer(Tensor(np.concatenate([example, others_a]))).data[0]
in_batch_b = layer(Tensor(np.concatenate([example, others_b]))).data[0]
observed = {
    "y of the example in batch A": in_batch_a,
    "y of the example in batch B": in_batch_b,
    "same prediction in both batches": bool(np.array_equal(in_batch_a, in_batch_b)),
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
