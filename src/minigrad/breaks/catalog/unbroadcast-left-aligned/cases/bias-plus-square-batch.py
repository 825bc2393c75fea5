import numpy as np

from minigrad import Tensor

bias = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
batch = Tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True)
v = np.random.default_rng(3).standard_normal((3, 3))
print("bias =", bias)
print("batch =", batch)
print("v =", v)
((bias + batch) * v).sum().backward()  # the bias's gradient is the sum of g over axis 0
observed = {"bias.grad": bias.grad, "batch.grad": batch.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
