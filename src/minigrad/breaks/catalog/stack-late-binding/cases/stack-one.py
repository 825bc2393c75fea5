import numpy as np

from minigrad import Tensor, stack

a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal((1, 3))
print("a =", a)
print("v =", v)
(stack([a]) * v).sum().backward()
observed = {"a.grad": a.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
