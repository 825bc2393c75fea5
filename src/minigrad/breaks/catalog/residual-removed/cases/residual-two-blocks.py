import numpy as np

from minigrad.nn.activations import Tanh
from minigrad.nn.layers import Linear, Residual, Sequential

x = np.random.default_rng(1).standard_normal((8, 16))
v = np.random.default_rng(2).standard_normal((8, 16))  # a random upstream gradient
generator = np.random.default_rng(0)  # PyTorch's default init for Linear, seeded
model = Sequential()
print("x =", x)
print("v =", v)
print("generator =", generator)
print("model =", model)
for _ in range(2):
    model.append(Residual(Sequential(Linear(16, 16, generator=generator), Tanh())))  # x + tanh(x W^T + b)
(model(x) * v).sum().backward()
norms = np.array([np.linalg.norm(block.fn[0].weight.grad) for block in model])  # each block's weight gradient
ratio = norms[0] / norms[-1]
observed = {
    "decades from the last block's gradient norm to the first's": round(float(np.log10(ratio))),
    "vanished (first < last / 1000)": bool(ratio < 1e-3),
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
