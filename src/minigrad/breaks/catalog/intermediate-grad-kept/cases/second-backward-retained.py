import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
w = np.random.default_rng(2).standard_normal((3, 4))
v = np.random.default_rng(3).standard_normal((3, 4))
loss = ((x * w).tanh() * v).sum()
print("x =", x)
print("w =", w)
print("v =", v)
print("loss =", loss)
loss.backward(retain_graph=True)
x.zero_grad()
loss.backward()
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
