import tempfile

from minigrad.run_doctor import chance_loss, diagnose, read_log
from minigrad.training.loop import LoopConfig, train

# the lab's small MiniGPT (1 layer, d_model 32) for 40 steps: warmup 20 steps to a high peak lr 0.3, then cosine
# decay (at the loop's default peak, 3e-4, this model trains the same with or without warmup)
config = LoopConfig(
    steps=40, warmup_steps=20, lr=0.3, min_lr=1e-3, batch_size=8, d_model=32, n_heads=2, n_layers=1, d_ff=64,
    held_out_per_verb=1, val_every=40, checkpoint_every=40,
)  # fmt: skip
print("config =", config)
with tempfile.TemporaryDirectory() as run_dir:
    train(config, run_dir)
    log = read_log(run_dir)
loss = [record["loss"] for record in log]
print("learning rate, step by step =", [f"{record['lr']:.3g}" for record in log])
print("train loss, step by step =", [round(x, 2) for x in loss])
verdict = diagnose(log, chance=chance_loss())  # what the run doctor reads in the log
print("run doctor:", verdict)
observed = {
    "learning rate at step 1": log[0]["lr"],
    "highest train loss in steps 2-20": max(loss[1:20]),
    "train loss at step 40": loss[-1],
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
