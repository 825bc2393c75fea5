import numpy as np

from minigrad import Tensor
from minigrad.nn.layers import Dropout

x = Tensor(np.random.default_rng(2).standard_normal((4, 5)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((4, 5))  # a random upstream gradient
layer = Dropout(0.5, generator=np.random.default_rng(1))
print("x =", x)
print("v =", v)
print("layer =", layer)
layer.train()  # training mode (the default)
y = layer(x)  # one random mask
(y * v).sum().backward()
observed = {"y": y.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
