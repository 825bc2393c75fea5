import numpy as np

from minigrad import no_grad
from minigrad.nn.transformer import MiniGPT

ids = np.random.default_rng(700).integers(0, 16, (2, 8))
order = np.random.default_rng(703).permutation(7)  # shuffle tokens 0..6, keep token 7
# vocab 16, d_model 16, 2 heads, 1 layer, d_ff 32, context 8, sinusoidal positions
model = MiniGPT(16, 16, 2, 1, 32, 8, positions="sinusoidal", generator=np.random.default_rng(701))
shuffled = np.concatenate([ids[:, order], ids[:, 7:]], axis=1)
print("ids =", ids)
print("order =", order)
print("model =", model)
print("shuffled =", shuffled)
with no_grad():
    for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
        if p.ndim == 2:
            p.copy_(p.data * 25.0)
    before, after = model(ids).data[:, -1], model(shuffled).data[:, -1]
observed = {"largest change of the last position's logits": float(np.abs(after - before).max())}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
