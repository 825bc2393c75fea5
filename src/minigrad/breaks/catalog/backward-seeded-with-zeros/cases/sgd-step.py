import numpy as np

from minigrad import Tensor
from minigrad.optim.sgd import SGD

w = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
target = np.random.default_rng(2).standard_normal(3)
optimizer = SGD([w], lr=0.1)
print("w =", w)
print("target =", target)
print("optimizer =", optimizer)
((w - target) ** 2).sum().backward()
optimizer.step()
observed = {"w after one step": w.data.copy()}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
