import numpy as np

import minigrad.ops.attention as attention_ops
from minigrad import Tensor

q = np.random.default_rng(770).standard_normal((1, 5, 4))
k = np.random.default_rng(771).standard_normal((1, 5, 4))
v = np.random.default_rng(772).standard_normal((1, 5, 3))
mask = attention_ops.causal_mask(5)  # True where query i may see key j
out, weights = attention_ops.attention(Tensor(q), Tensor(k), Tensor(v), mask, attention_ops.scale_factor(4))
print("q =", q)
print("k =", k)
print("v =", v)
print("mask =", mask)
print("out =", out)
print("weights =", weights)
observed = {
    "output": out.data,
    "weight sums per query": weights.data.sum(axis=-1),
    "NaN outputs": int(np.isnan(out.data).sum()),
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
