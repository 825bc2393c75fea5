import numpy as np

from minigrad import Tensor, no_grad
from minigrad.nn.transformer import TransformerBlock

x = 3.0 + 5.0 * np.random.default_rng(741).standard_normal((2, 4, 16))
block = TransformerBlock(16, 2, 32, generator=np.random.default_rng(740))  # d_model 16, 2 heads, d_ff 32
print("x =", x)
print("block =", block)
with no_grad():
    # zero the attention's output projection and the MLP's last layer: both branches output 0
    for p in [*block.attn.out_proj.parameters(), *block.mlp[2].parameters()]:
        p.copy_(np.zeros(p.shape))
    out = block(Tensor(x)).data
observed = {"largest |block(x) - x|": float(np.abs(out - x).max()), "output std": float(out.std())}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
