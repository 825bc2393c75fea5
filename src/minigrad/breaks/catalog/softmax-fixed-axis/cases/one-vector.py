import numpy as np

from minigrad import Tensor

z = Tensor(np.array([1.0, -0.5, 2.0, 0.3]), requires_grad=True)
g = np.array([0.7, -1.2, 0.4, 2.0])
print("z =", z)
print("g =", g)
p = z.softmax(dim=-1)
(p * g).sum().backward()
observed = {"p": p.data, "z.grad": z.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
