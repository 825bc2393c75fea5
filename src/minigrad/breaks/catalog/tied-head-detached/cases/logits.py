import numpy as np

from minigrad import no_grad
from minigrad.nn.transformer import MiniGPT

ids = np.random.default_rng(700).integers(0, 16, (2, 8))
# vocab 16, d_model 16, 2 heads, 1 layer, d_ff 32, context 8; the head reuses tok_emb.weight
model = MiniGPT(16, 16, 2, 1, 32, 8, generator=np.random.default_rng(701))
print("ids =", ids)
print("model =", model)
with no_grad():
    for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
        if p.ndim == 2:
            p.copy_(p.data * 25.0)
    logits = model(ids).data
observed = {"logits": logits}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
