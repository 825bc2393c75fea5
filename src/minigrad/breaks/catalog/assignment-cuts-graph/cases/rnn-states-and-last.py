import numpy as np

from minigrad import Tensor

rng = np.random.default_rng(14)
steps, hidden = 4, 3
W = Tensor(rng.standard_normal((hidden, hidden)) * 0.5, requires_grad=True)
xs = rng.standard_normal((steps, hidden))
v = rng.standard_normal((steps, hidden))
u = rng.standard_normal(hidden)
print("W =", W)
h = Tensor(np.zeros(hidden))
hs = Tensor(np.zeros((steps, hidden)))  # every hidden state, for a loss on all of them
for t in range(steps):
    h = (h @ W + xs[t]).tanh()
    hs[t] = h
loss = (hs * v).sum() + (h * u).sum()  # every state, plus a readout of the last one
loss.backward()
observed = {"W.grad": W.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
