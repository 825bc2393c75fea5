import numpy as np

import minigrad.ops.attention as attention_ops
from minigrad import Tensor

rng = np.random.default_rng(760)
q, k = Tensor(rng.standard_normal((64, 1))), Tensor(rng.standard_normal((64, 1)))
scores = attention_ops.attention_scores(q, k, attention_ops.scale_factor(1)).data
weights = attention_ops.attention_weights(Tensor(scores)).data
print("rng =", rng)
print("q =", q)
print("k =", k)
print("scores =", scores)
print("weights =", weights)
observed = {"logit std at d_k=1": float(scores.std()), "mean largest weight at d_k=1": float(weights.max(-1).mean())}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
