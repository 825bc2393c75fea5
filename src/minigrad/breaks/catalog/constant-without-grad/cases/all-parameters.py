import numpy as np

from minigrad.breaks.shared.learner_engine import LearnerTensor

x = LearnerTensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
w = LearnerTensor(np.array([1.5, 0.3, -0.7]), requires_grad=True)
b = LearnerTensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
print("x =", x)
print("w =", w)
(x * w + b).sum().backward()
observed = {"x.grad": x.grad, "w.grad": w.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
