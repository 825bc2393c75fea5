import numpy as np

from minigrad import no_grad
from minigrad.nn.attention import MultiheadAttention

x = np.random.default_rng(781).standard_normal((2, 6, 16))
mha = MultiheadAttention(16, 1, batch_first=True, generator=np.random.default_rng(780))  # d_model 16, 1 head
print("x =", x)
print("mha =", mha)
with no_grad():
    output = mha(x, x, x)[0].data
observed = {"output": output}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
