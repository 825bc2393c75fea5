import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import cross_entropy

logits = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
loss = cross_entropy(logits, np.array([2, 0, 1, 1]))
print("logits =", logits)
print("loss =", loss)
loss.backward()
observed = {"loss": loss.data.copy(), "logits.grad": logits.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
