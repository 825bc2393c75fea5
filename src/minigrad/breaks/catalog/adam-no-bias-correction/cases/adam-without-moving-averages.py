import numpy as np

from minigrad import Tensor
from minigrad.optim.adam import Adam

A = np.random.default_rng(501).standard_normal((6, 3))  # least squares: loss = 0.5 * |A p - b|**2
b = np.random.default_rng(502).standard_normal(6)
p = Tensor(np.random.default_rng(503).standard_normal(3), requires_grad=True)
print("A =", A)
print("b =", b)
print("p =", p)
losses: list[float] = []
optimizer = Adam([p], lr=0.05, betas=(0.0, 0.0))
for _ in range(10):  # the PyTorch training loop
    optimizer.zero_grad()
    r = Tensor(A) @ p - Tensor(b)
    loss = (r * r).sum() * 0.5
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
observed = {"p": p.data, "loss at steps 1-10": np.array(losses)}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
