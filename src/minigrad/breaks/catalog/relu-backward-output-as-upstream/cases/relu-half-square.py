import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
h = x.relu()
print("x =", x)
print("h =", h)
((h * h).sum() * 0.5).backward()  # dL/dh = h: the upstream gradient equals the output
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
