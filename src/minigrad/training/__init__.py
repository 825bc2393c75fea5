"""Training on the built-in verbs dataset (``minigrad train``) and the phase 10 experiments (``minigrad experiment``).

Plots need ``matplotlib``, the progress bar ``tqdm`` and checkpoints
``safetensors``: the ``train`` extra (``uv sync --extra train``).  They are
imported only when used.  Every text the commands and plots show is in the
message catalog (``messages/training.toml``), in English and Spanish (``--lang es``).
"""

from .train import TrainConfig, TrainResult, evaluate_checkpoint, save_run, train

__all__ = ["TrainConfig", "TrainResult", "evaluate_checkpoint", "save_run", "train"]
