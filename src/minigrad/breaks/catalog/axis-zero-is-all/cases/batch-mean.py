import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((8, 3)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((8, 3))
centered = x - x.mean(axis=0, keepdims=True)  # normalization layers average over the batch axis 0
print("x =", x)
print("v =", v)
print("centered =", centered)
(centered * v).sum().backward()
observed = {"centered": centered.data, "x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
