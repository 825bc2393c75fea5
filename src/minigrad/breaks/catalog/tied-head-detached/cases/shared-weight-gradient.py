import numpy as np

from minigrad import no_grad
from minigrad.nn.transformer import MiniGPT

ids = np.random.default_rng(700).integers(0, 16, (2, 8))
direction = np.random.default_rng(750).standard_normal((16, 16))  # a random direction for tok_emb.weight
upstream = np.random.default_rng(751).standard_normal((2, 8, 16))  # a random upstream gradient for the logits
model = MiniGPT(16, 16, 2, 1, 32, 8, generator=np.random.default_rng(701))
print("ids =", ids)
print("direction =", direction)
print("upstream =", upstream)
print("model =", model)
with no_grad():
    for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
        if p.ndim == 2:
            p.copy_(p.data * 25.0)
weight = model.tok_emb.weight  # one Parameter, used by the embedding and by the head
model(ids).backward(upstream)
assert weight.grad is not None
# moving the shared matrix in place moves both of its uses: the central difference sees the whole derivative
eps, original, losses = 1e-6, weight.data.copy(), []
with no_grad():
    for sign in (1.0, -1.0):
        weight.data[...] = original + sign * eps * direction
        losses.append(float((model(ids).data * upstream).sum()))
    weight.data[...] = original
observed = {
    "directional derivative from .grad": float((weight.grad * direction).sum()),
    "finite difference of the loss": (losses[0] - losses[1]) / (2 * eps),
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
