import numpy as np

from minigrad import Tensor

z = Tensor(np.random.default_rng(4).standard_normal((3, 5)), requires_grad=True)
g = np.random.default_rng(5).standard_normal((3, 5))
print("z =", z)
print("g =", g)
p = z.softmax(dim=0)  # one distribution per column, asked for
(p * g).sum().backward()
observed = {"p": p.data, "z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
