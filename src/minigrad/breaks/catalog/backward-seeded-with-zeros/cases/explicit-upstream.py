import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
w = np.random.default_rng(2).standard_normal((3, 4))
g = np.random.default_rng(3).standard_normal((3, 4))
print("x =", x)
print("w =", w)
print("g =", g)
(x * w).tanh().backward(g)  # the seed is the given gradient
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
