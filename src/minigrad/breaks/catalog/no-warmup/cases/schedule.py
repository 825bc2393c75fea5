import numpy as np

from minigrad import Tensor
from minigrad.optim import AdamW
from minigrad.optim.lr_scheduler import WarmupCosine

weight = Tensor(np.zeros(3), requires_grad=True)
optimizer = AdamW([weight], lr=0.3)
# as the loop builds it: warmup 20 steps from peak / 20, cosine decay to 1e-3 at step 40
schedule = WarmupCosine(optimizer, 20, 40, start_factor=1 / 20, eta_min=1e-3)
print("schedule =", schedule)
rates = []
for _ in range(40):
    rates.append(optimizer.param_groups[0]["lr"])  # the rate this step uses
    optimizer.step()
    schedule.step()
print("learning rate, step by step =", [f"{r:.3g}" for r in rates])
observed = {"learning rate at step 1": rates[0], "learning rate, steps 1-40": np.array(rates)}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
