import numpy as np

from minigrad import Tensor
from minigrad.nn.layers import Dropout

x = np.random.default_rng(4).standard_normal(5)
layer = Dropout(0.5, generator=np.random.default_rng(5))
print("x =", x)
print("layer =", layer)
layer.eval()
eval_output = layer(Tensor(x)).data
layer.train()
train_mean = layer(Tensor(np.tile(x, (10_000, 1)))).data.mean(axis=0)  # 10,000 masks of the same 5 inputs
observed = {
    "mean train output over 10,000 masks": train_mean,
    "eval output": eval_output,
    "ratio train mean / eval": train_mean / eval_output,
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
