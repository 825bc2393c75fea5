import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
bias = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
v = np.random.default_rng(3).standard_normal((4, 3))
print("x =", x)
print("bias =", bias)
print("v =", v)
((x + bias) * v).sum().backward()  # dL/dbias = the column sums of v
observed = {"x.grad": x.grad, "bias.grad": bias.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
