import numpy as np

from minigrad import Tensor
from minigrad.training.gpt import language_model_loss

ids = np.random.default_rng(700).integers(1, 16, (2, 6))  # tokens 1..15: none is the padding id 0
logits = Tensor(np.zeros((2, 6, 16)))
print("ids =", ids)
print("logits =", logits)
observed = {"loss of all-zero logits": language_model_loss(logits, ids).item()}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
