import numpy as np

from minigrad.breaks.shared.learner_engine import LearnerTensor

x = LearnerTensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
print("x =", x)
(x * 2.0 + 1.0).sum().backward()  # each number becomes a constant LearnerTensor
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
