import numpy as np

from minigrad import no_grad
from minigrad.nn import MiniGPT

ids = np.random.default_rng(900).integers(0, 64, (2, 8))
# the course's MiniGPT with 1 layer of d_model 32 (vocab 64, 2 heads, d_ff 64), as the lab's run builds it
model = MiniGPT.course(
    d_model=32, n_heads=2, n_layers=1, d_ff=64, context_length=8, dtype=np.float32, generator=np.random.default_rng(901)
)
print("ids =", ids)
print("model =", model)
with no_grad():
    logits = model(ids).data
observed = {
    "std of the token embedding at step 0": float(model.tok_emb.weight.data.std()),
    "std of the logits at step 0": float(logits.std()),
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
