import numpy as np

from minigrad import Tensor
from minigrad.nn.layers import Linear
from minigrad.optim.sgd import SGD

x = Tensor(np.random.default_rng(501).standard_normal((6, 3)))
target = Tensor(np.random.default_rng(502).standard_normal((6, 1)))
model = Linear(3, 1, generator=np.random.default_rng(7))
optimizer = SGD(model.parameters(), lr=0.05)
print("x =", x)
print("target =", target)
print("model =", model)
print("optimizer =", optimizer)
for _ in range(5):
    model.zero_grad()  # the module's method, not the optimizer's
    r = model(x) - target
    (r * r).mean().backward()
    optimizer.step()
observed = {"weight": model.weight.data, "weight.grad": model.weight.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
