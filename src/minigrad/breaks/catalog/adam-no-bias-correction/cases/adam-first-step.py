import numpy as np

from minigrad import Tensor
from minigrad.optim.adam import Adam

A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
b = np.random.default_rng(502).standard_normal(6)
start = np.random.default_rng(503).standard_normal(3)
p = Tensor(start, requires_grad=True)
optimizer = Adam([p], lr=0.01)
print("A =", A)
print("b =", b)
print("start =", start)
print("p =", p)
print("optimizer =", optimizer)
optimizer.zero_grad()
r = Tensor(A) @ p - Tensor(b)
((r * r).sum() * 0.5).backward()
optimizer.step()
observed = {"first step / lr": (p.data - start) / 0.01}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
