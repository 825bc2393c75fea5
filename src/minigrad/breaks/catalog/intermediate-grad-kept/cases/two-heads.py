import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
w = np.random.default_rng(2).standard_normal((3, 4))
v = np.random.default_rng(3).standard_normal((3, 4))
u = np.random.default_rng(4).standard_normal((3, 4))
shared = (x * w).tanh() * 2.0  # an intermediate that both heads read
print("x =", x)
print("w =", w)
print("v =", v)
print("u =", u)
print("shared =", shared)
(shared * v).sum().backward(retain_graph=True)  # head 1
(shared * u).sum().backward()  # head 2: x.grad must be the sum of both heads' gradients
observed = {"x.grad": x.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
