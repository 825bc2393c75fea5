import numpy as np

from minigrad import Tensor, no_grad
from minigrad.nn.transformer import TransformerBlock

blocks = [TransformerBlock(16, 2, 32, generator=np.random.default_rng(790 + i)) for i in range(4)]
x = Tensor(5.0 * np.random.default_rng(795).standard_normal((2, 6, 16)))
print("blocks =", blocks)
print("x =", x)
with no_grad():
    for block in blocks:
        x = block(x)
observed = {"std after 4 blocks (input std 5)": float(x.data.std())}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
