import numpy as np

from minigrad.breaks.shared.learner_engine import LearnerTensor

x = LearnerTensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
mask = LearnerTensor(np.array([1.0, 0.0, 1.0]))  # data, not a parameter: no requires_grad
print("x =", x)
print("mask =", mask)
(x * mask).sum().backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
