import numpy as np

from minigrad import Tensor

m, n = np.random.default_rng(1).standard_normal((3, 3)), np.random.default_rng(2).standard_normal((3, 3))
a, b = (
    Tensor(np.asarray(m + m.T, dtype=np.float64), requires_grad=True),
    Tensor(np.asarray(n + n.T, dtype=np.float64), requires_grad=True),
)  # symmetric: a.T == a, b.T == b
print("m =", m)
print("n =", n)
print("a =", a)
print("b =", b)
((a @ b) * np.random.default_rng(3).standard_normal((3, 3))).sum().backward()
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
