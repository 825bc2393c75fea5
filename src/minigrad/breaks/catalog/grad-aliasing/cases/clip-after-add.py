import numpy as np

from minigrad import Tensor
from minigrad.optim.clip import clip_grad_norm_

a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
g = np.random.default_rng(3).standard_normal(3)
print("a =", a)
print("b =", b)
print("g =", g)
(a + b).backward(g)  # add hands the same array g to both inputs
clip_grad_norm_([a, b], max_norm=0.5)
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
