import numpy as np

from minigrad import Tensor, cat

fwd, bwd = (
    Tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True),
    Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True),
)  # e.g. the two directions of a bidirectional RNN
print("fwd =", fwd)
print("bwd =", bwd)
(cat([fwd, bwd], axis=1) * np.random.default_rng(3).standard_normal((3, 6))).sum().backward()
observed = {"fwd.grad": fwd.grad, "bwd.grad": bwd.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
