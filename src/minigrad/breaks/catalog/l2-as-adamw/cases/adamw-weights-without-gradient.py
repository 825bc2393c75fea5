import numpy as np

from minigrad import Tensor
from minigrad.optim.adam import AdamW

w = Tensor(np.array([0.8, -0.5, 0.8, -0.5]), requires_grad=True)
x = Tensor(np.array([1.0, -2.0, 0.0, 0.0]))  # the last two inputs are always 0: w[2:] get a zero gradient
optimizer = AdamW([w], lr=0.01, weight_decay=0.01)
print("w =", w)
print("x =", x)
print("optimizer =", optimizer)
for _ in range(10):
    optimizer.zero_grad()
    ((x * w).sum() - 1.0).pow(2).backward()
    optimizer.step()
observed = {"w after 10 steps": w.data}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
