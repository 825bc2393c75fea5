import numpy as np

from minigrad import Tensor

a2 = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
b2 = Tensor(np.ones((3, 5)), requires_grad=True)
w = np.arange(15.0).reshape(3, 5)
loss = ((a2 + b2) * w).sum()
print("a2 =", a2)
print("b2 =", b2)
print("w =", w)
print("loss =", loss)
loss.backward()
observed = {"loss": loss.item(), "a2.grad": a2.grad, "b2.grad": b2.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
