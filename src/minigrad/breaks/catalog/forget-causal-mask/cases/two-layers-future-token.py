import numpy as np

from minigrad import no_grad
from minigrad.diagnostics import causality_probe
from minigrad.nn.transformer import MiniGPT

ids = np.random.default_rng(700).integers(0, 16, (2, 8))
model = MiniGPT(16, 16, 2, 2, 32, 8, generator=np.random.default_rng(701))
print("ids =", ids)
print("model =", model)
with no_grad():
    for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
        if p.ndim == 2:
            p.copy_(p.data * 25.0)
seen = causality_probe(model, ids, position=4, vocab_size=16).measurements  # changes token 4, then compares
observed = {
    "largest logit change at positions 0..3": seen["max_change_before"],
    "positions among 0..3 that moved": len(seen["leaked_positions"]),
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
