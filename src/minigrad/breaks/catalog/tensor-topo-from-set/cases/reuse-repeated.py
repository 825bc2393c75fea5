import numpy as np

from minigrad import Tensor

x_data = np.random.default_rng(1).standard_normal((3, 4))
v = np.random.default_rng(2).standard_normal((3, 4))
right = v * (1 + np.exp(x_data))  # by hand: d/dx sum((x + exp(x)) * v)
wrong = 0
print("x_data =", x_data)
print("v =", v)
print("right =", right)
print("wrong =", wrong)
for _ in range(50):  # fresh tensors each time: new memory addresses, so a new set order
    x = Tensor(x_data, requires_grad=True)
    ((x + x.exp()) * v).sum().backward()
    wrong += x.grad is None or not np.allclose(x.grad, right, rtol=1e-12)
observed = {"wrong runs (of 50)": wrong}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
