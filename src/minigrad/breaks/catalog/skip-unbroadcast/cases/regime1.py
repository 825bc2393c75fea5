import numpy as np

from minigrad import Tensor

a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
b = Tensor(
    np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0], [100.0, 110.0, 120.0]]),
    requires_grad=True,
)
loss = (a + b).sum()
print("a =", a)
print("b =", b)
print("loss =", loss)
loss.backward()
observed = {"loss": loss.item(), "a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
