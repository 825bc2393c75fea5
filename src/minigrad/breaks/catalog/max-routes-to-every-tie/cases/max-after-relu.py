import numpy as np

from minigrad import Tensor

h = Tensor(
    np.asarray(np.zeros((2, 4)), dtype=np.float64), requires_grad=True
)  # the output of a ReLU whose inputs were all negative: a 4-way tie per row
print("h =", h)
(h.max(axis=1) * np.random.default_rng(3).standard_normal(2)).sum().backward()
observed = {"h.grad": h.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
