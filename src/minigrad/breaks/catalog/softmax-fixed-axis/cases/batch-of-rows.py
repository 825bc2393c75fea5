import numpy as np

from minigrad import Tensor

z = Tensor(np.random.default_rng(4).standard_normal((3, 5)), requires_grad=True)  # 3 examples, 5 classes
g = np.random.default_rng(5).standard_normal((3, 5))
print("z =", z)
print("g =", g)
p = z.softmax(dim=-1)  # one distribution per row
(p * g).sum().backward()
observed = {"row sums of p": p.data.sum(axis=-1), "p": p.data, "z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
