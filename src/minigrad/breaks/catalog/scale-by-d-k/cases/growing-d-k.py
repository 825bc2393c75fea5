import numpy as np

import minigrad.ops.attention as attention_ops
from minigrad import Tensor

rng = np.random.default_rng(761)
observed = {}
print("rng =", rng)
print("observed =", observed)
for d_k in (16, 64, 256):
    q, k = Tensor(rng.standard_normal((64, d_k))), Tensor(rng.standard_normal((64, d_k)))
    scores = attention_ops.attention_scores(q, k, attention_ops.scale_factor(d_k)).data
    weights = attention_ops.attention_weights(Tensor(scores)).data
    observed[f"logit std at d_k={d_k}"] = float(scores.std())
    observed[f"mean largest weight at d_k={d_k}"] = float(weights.max(axis=-1).mean())
observed = observed
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
