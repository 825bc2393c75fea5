import numpy as np

from minigrad.diagnostics import causality_probe
from minigrad.nn.attention import MultiheadAttention

x = np.random.default_rng(782).standard_normal((2, 8, 16))
mha = MultiheadAttention(16, 4, batch_first=True, generator=np.random.default_rng(780))
# change position 4 of x, then compare the causal self-attention's outputs at positions 0..3
seen = causality_probe(lambda h: mha(h, h, h, is_causal=True), x, position=4).measurements
print("x =", x)
print("mha =", mha)
print("seen =", seen)
observed = {
    "largest output change at positions 0..3": seen["max_change_before"],
    "positions among 0..3 that moved": len(seen["leaked_positions"]),
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
