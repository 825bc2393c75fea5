import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import cross_entropy

logits = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
targets = np.array([2, -100, 1, -100])  # -100 is cross_entropy's default ignore_index: two padding positions
loss = cross_entropy(logits, targets, reduction="sum")
print("logits =", logits)
print("targets =", targets)
print("loss =", loss)
loss.backward()
observed = {"loss": loss.data.copy(), "logits.grad": logits.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
