import tempfile

from minigrad.run_doctor import chance_loss, diagnose, read_log
from minigrad.training.loop import LoopConfig, train

# the lab's MiniGPT with 1 layer of d_model 64 for 100 steps: warmup 10 steps to lr 1e-2, then cosine decay;
# validation every 25 steps, scored from prefixes (as generation sees the text: no future to peek at)
config = LoopConfig(
    steps=100, warmup_steps=10, lr=1e-2, min_lr=1e-3, batch_size=8, d_model=64, n_heads=4, n_layers=1, d_ff=128,
    held_out_per_verb=1, val_every=25, checkpoint_every=100,
)  # fmt: skip
print("config =", config)
with tempfile.TemporaryDirectory() as run_dir:
    train(config, run_dir)
    log = read_log(run_dir)
train_loss = [record["loss"] for record in log]
val_loss = [record["val_loss"] for record in log if record["val_loss"] is not None]
print("train loss, every 10 steps =", [round(x, 2) for x in train_loss[::10]])
print("validation loss, every 25 steps =", [round(x, 2) for x in val_loss])
verdict = diagnose(log, chance=chance_loss())  # what the run doctor reads in the log
print("run doctor:", verdict)
observed = {
    "train loss, mean of steps 91-100": sum(train_loss[-10:]) / 10,
    "validation loss at step 100": val_loss[-1],
}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
