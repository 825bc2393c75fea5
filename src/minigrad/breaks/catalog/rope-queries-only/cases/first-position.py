import numpy as np

from minigrad import no_grad
from minigrad.nn.attention import MultiheadAttention
from minigrad.nn.positional import RotaryEmbedding

x = np.random.default_rng(731).standard_normal((1, 5, 8))
# d_model 8, 2 heads of size 4, rotary positions up to 16
mha = MultiheadAttention(8, 2, batch_first=True, rotary=RotaryEmbedding(4, 16), generator=np.random.default_rng(730))
print("x =", x)
print("mha =", mha)
with no_grad():
    output = mha(x, x, x, is_causal=True)[0].data
observed = {"output at position 0 (causal)": output[:, 0]}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
