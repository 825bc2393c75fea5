import numpy as np

from minigrad import Tensor

table = Tensor(np.random.default_rng(1).standard_normal((5, 2)), requires_grad=True)  # 5 embeddings of size 2
tokens = [1, 3, 1, 1]  # token 1 appears three times
print("table =", table)
print("tokens =", tokens)
(table[tokens] * np.random.default_rng(3).standard_normal((4, 2))).sum().backward()
observed = {"table.grad": table.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
