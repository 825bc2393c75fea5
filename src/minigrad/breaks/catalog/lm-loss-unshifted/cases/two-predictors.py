from minigrad.diagnostics import shift_probe
from minigrad.training.gpt import language_model_loss

observed = dict(shift_probe(language_model_loss, vocab_size=16).measurements)
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
