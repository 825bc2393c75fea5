import numpy as np

from minigrad import Tensor
from minigrad.optim.clip import clip_grad_norm_

x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
w = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
g = np.random.default_rng(3).standard_normal(3)
print("x =", x)
print("w =", w)
print("g =", g)
(x * w).backward(g)
clip_grad_norm_([x, w], max_norm=0.5)  # scales every .grad in place
observed = {"x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
