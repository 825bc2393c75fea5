import tempfile

from minigrad.run_doctor import chance_loss, diagnose, read_log
from minigrad.training.loop import LoopConfig, train

# the lab's small MiniGPT (1 layer, d_model 32) for 30 steps: warmup 5 steps to lr 3e-3, then cosine decay
config = LoopConfig(
    steps=30, warmup_steps=5, lr=3e-3, min_lr=3e-4, batch_size=8, d_model=32, n_heads=2, n_layers=1, d_ff=64,
    held_out_per_verb=1, val_every=30, checkpoint_every=30,
)  # fmt: skip
print("config =", config)
with tempfile.TemporaryDirectory() as run_dir:
    train(config, run_dir)
    log = read_log(run_dir)
loss = [record["loss"] for record in log]
print("train loss, step by step =", [round(x, 2) for x in loss])
print("uniform guess (ln V) =", round(chance_loss(), 3))
verdict = diagnose(log, chance=chance_loss())  # what the run doctor reads in the log
print("run doctor:", verdict)
observed = {
    "train loss at step 1": loss[0],
    "train loss at step 30": loss[-1],
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
