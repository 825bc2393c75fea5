import numpy as np

from minigrad import no_grad
from minigrad.nn.attention import MultiheadAttention
from minigrad.nn.positional import RotaryEmbedding

x = np.random.default_rng(731).standard_normal((1, 5, 8))
prefix = np.random.default_rng(732).standard_normal((1, 3, 8))
mha = MultiheadAttention(8, 2, batch_first=True, rotary=RotaryEmbedding(4, 16), generator=np.random.default_rng(730))
longer = np.concatenate([prefix, x], axis=1)  # x at positions 3..7
print("x =", x)
print("prefix =", prefix)
print("mha =", mha)
print("longer =", longer)
with no_grad():
    plain = mha(x, x, x, need_weights=True, average_attn_weights=False)[1]
    shifted = mha(longer, longer, longer, need_weights=True, average_attn_weights=False)[1]
assert plain is not None and shifted is not None
# log w[i, j] - log w[i, 0] is a difference of scores (the softmax's normalizer cancels): with RoPE it
# depends on i - j only, so the prefix must leave it unchanged
log_plain, log_shifted = np.log(plain.data), np.log(shifted.data)[..., 3:, 3:]
gap = (log_plain - log_plain[..., :1]) - (log_shifted - log_shifted[..., :1])
observed = {"largest change of a score difference after a 3-token prefix": float(np.abs(gap).max())}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
