import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal(3)
h = x
print("x =", x)
print("v =", v)
print("h =", h)
for _ in range(5000):  # well past Python's default recursion limit of 1,000, like an RNN over a long sequence
    h = h * 0.999
(h * v).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
