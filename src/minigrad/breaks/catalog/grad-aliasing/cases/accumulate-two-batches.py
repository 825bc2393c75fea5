import numpy as np

from minigrad import Tensor

a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
g1 = np.random.default_rng(3).standard_normal(3)
g2 = np.random.default_rng(4).standard_normal(3)
print("a =", a)
print("b =", b)
print("g1 =", g1)
print("g2 =", g2)
(a + b).backward(g1)  # micro-batch 1
(a + b).backward(g2)  # micro-batch 2: .grad accumulates (+=) in place
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
