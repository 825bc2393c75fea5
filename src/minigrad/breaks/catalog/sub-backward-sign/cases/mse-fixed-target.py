import numpy as np

from minigrad import Tensor
from minigrad.ops.nn import mse_loss

pred = Tensor(np.random.default_rng(1).standard_normal((4, 2)), requires_grad=True)
print("pred =", pred)
mse_loss(pred, Tensor(np.random.default_rng(2).standard_normal((4, 2)))).backward()  # mse_loss computes pred - target
observed = {"pred.grad": pred.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
