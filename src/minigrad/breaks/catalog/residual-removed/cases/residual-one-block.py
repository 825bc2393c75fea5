import numpy as np

from minigrad import Tensor
from minigrad.nn.activations import Tanh
from minigrad.nn.layers import Linear, Residual, Sequential

x = Tensor(np.random.default_rng(1).standard_normal((8, 16)), requires_grad=True)
v = np.random.default_rng(2).standard_normal((8, 16))  # a random upstream gradient
generator = np.random.default_rng(0)  # PyTorch's default init for Linear, seeded
model = Sequential()
print("x =", x)
print("v =", v)
print("generator =", generator)
print("model =", model)
model.append(Residual(Sequential(Linear(16, 16, generator=generator), Tanh())))  # x + tanh(x W^T + b)
y = model(x)
(y * v).sum().backward()
observed = {"y": y.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
