import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
gain = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)  # per feature, as in layer norm
v = np.random.default_rng(3).standard_normal((4, 3))
print("x =", x)
print("gain =", gain)
print("v =", v)
(x * gain * v).sum().backward()
observed = {"x.grad": x.grad, "gain.grad": gain.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
