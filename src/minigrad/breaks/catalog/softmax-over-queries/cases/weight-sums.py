import numpy as np

import minigrad.ops.attention as attention_ops
from minigrad import Tensor

q = np.random.default_rng(770).standard_normal((1, 5, 4))
k = np.random.default_rng(771).standard_normal((1, 5, 4))
v = np.random.default_rng(772).standard_normal((1, 5, 3))
_, w = attention_ops.attention(Tensor(q), Tensor(k), Tensor(v), None, attention_ops.scale_factor(4))
print("q =", q)
print("k =", k)
print("v =", v)
print("_ =", _)
print("w =", w)
observed = {"weight sums per query (over keys)": w.data.sum(-1), "weight sums per key (over queries)": w.data.sum(-2)}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
