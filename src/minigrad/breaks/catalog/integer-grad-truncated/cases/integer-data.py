import numpy as np

from minigrad import Tensor

refused, grad = False, None
print("refused =", refused)
print("grad =", grad)
try:
    x = Tensor([1, 2, 3], requires_grad=True)
except TypeError:  # correct code: only floating point tensors can require gradients
    refused = True
if not refused:
    (x * np.array([0.5, 1.7, -2.5])).sum().backward()  # dL/dx = [0.5, 1.7, -2.5]
    grad = x.grad
observed = {"integer tensor refused": refused, "x.grad": grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
