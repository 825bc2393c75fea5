"""``minigrad train`` and ``minigrad experiment``: argument parsing and what gets printed."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from typing import Any

from .train import DEFAULT_HYPERPARAMETERS, OPTIMIZERS, TrainConfig

EXTRA_HINT = "install them with `uv sync --extra train` (or `pip install 'minigrad[train]'`)"


def missing_packages(names: Sequence[str]) -> list[str]:
    return [name for name in names if importlib.util.find_spec(name) is None]


def _require(names: Sequence[str], command: str) -> bool:
    missing = missing_packages(names)
    if missing:
        print(f"minigrad {command}: missing optional package(s) {', '.join(missing)}; {EXTRA_HINT}", file=sys.stderr)
    return not missing


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose (``--help`` is 0, a bad argument 2)."""
    try:
        return parser.parse_args(list(argv))
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2


def train_parser() -> argparse.ArgumentParser:
    d = TrainConfig()
    parser = argparse.ArgumentParser(
        prog="minigrad train",
        description="Train an MLP (Linear-ReLU-Linear) to predict the tense of a conjugated verb phrase "
        "(the built-in verbs dataset), and write loss.png, metrics.json and model.safetensors.",
    )
    parser.add_argument("--epochs", type=int, default=d.epochs, help=f"passes over the training set ({d.epochs})")
    per_optimizer = ", ".join(f"{name} {lr}" for name, (lr, _) in DEFAULT_HYPERPARAMETERS.items())
    parser.add_argument("--lr", type=float, help=f"learning rate ({per_optimizer})")
    parser.add_argument("--hidden", type=int, default=d.hidden, help=f"hidden units ({d.hidden})")
    parser.add_argument("--seed", type=int, default=d.seed, help=f"seed of the split, weights and batches ({d.seed})")
    parser.add_argument("--batch-size", type=int, default=d.batch_size, help=f"mini-batch size ({d.batch_size})")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer, help=f"({d.optimizer})")
    parser.add_argument(
        "--weight-decay",
        type=float,
        help="L2 penalty (sgd, adam) or decoupled decay (adamw) ("
        + ", ".join(f"{name} {wd}" for name, (_, wd) in DEFAULT_HYPERPARAMETERS.items())
        + ")",
    )
    parser.add_argument(
        "--encode",
        choices=("ngrams", "course"),
        default=d.encode,
        help="input features: character n-grams of the phrase (default), or the course's "
        "one-hot(verb)+one-hot(person), which carries no tense and stays below chance",
    )
    parser.add_argument("--language", choices=("en", "es"), default=d.language, help="phrase language (en)")
    parser.add_argument("--out", default="runs/verbs", help="output folder (runs/verbs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--eval", metavar="CHECKPOINT", help="instead of training, load a model.safetensors and score it again"
    )
    return parser


def train_main(argv: Sequence[str]) -> int:
    if list(argv[:1]) == ["gpt"]:  # `minigrad train gpt`: MiniGPT on the corpus (training/gpt.py)
        from .gpt import gpt_main

        return gpt_main(argv[1:])
    args = _parse(train_parser(), argv)
    if isinstance(args, int):
        return args
    if args.eval:
        return _evaluate(args.eval)
    if not _require(["safetensors", "matplotlib"] + ([] if args.quiet else ["tqdm"]), "train"):
        return 1
    default_lr, default_weight_decay = DEFAULT_HYPERPARAMETERS[args.optimizer]
    try:
        config = TrainConfig(
            epochs=args.epochs,
            lr=default_lr if args.lr is None else args.lr,
            hidden=args.hidden,
            seed=args.seed,
            batch_size=args.batch_size,
            optimizer=args.optimizer,
            weight_decay=default_weight_decay if args.weight_decay is None else args.weight_decay,
            encode=args.encode,
            language=args.language,
        )
    except ValueError as error:
        print(f"minigrad {error}", file=sys.stderr)
        return 2

    from .train import save_run, train

    progress = None
    if not args.quiet:
        tqdm = importlib.import_module("tqdm").tqdm  # optional: imported by name, only when a bar is wanted

        print(
            f"training Linear-ReLU-Linear (hidden {config.hidden}) on the verbs dataset, "
            f"{config.optimizer} lr {config.lr}, {config.epochs} epochs, seed {config.seed}"
        )

        def progress(total: int) -> Any:
            return tqdm(total=total, desc="training", unit="epoch", file=sys.stderr)

    result = train(config, progress)
    files = save_run(result, args.out)
    final = result.metrics["final"]
    print(
        f"train accuracy {final['train_accuracy']:.1%} (loss {final['train_loss']:.4f}), "
        f"validation accuracy {final['val_accuracy']:.1%} (loss {final['val_loss']:.4f}) "
        f"on {result.metrics['n_val']} held-out phrases, in {result.metrics['elapsed_seconds']:.1f} s"
    )
    print(f"wrote {files['plot']}, {files['metrics']} and {files['checkpoint']}")
    if not args.quiet:
        print(f"reload and score the checkpoint: minigrad train --eval {files['checkpoint']}")
    return 0


def _evaluate(path: str) -> int:
    if not _require(["safetensors"], "train --eval"):
        return 1
    from .train import evaluate_checkpoint

    try:
        scores = evaluate_checkpoint(path)
    except (FileNotFoundError, ValueError) as error:
        print(f"minigrad train --eval: {error}", file=sys.stderr)
        return 1
    same = scores["val_accuracy"] == scores["saved_val_accuracy"]
    verdict = (
        "identical to the accuracy saved at training time"
        if same
        else f"DIFFERS from the {scores['saved_val_accuracy']:.4%} saved at training time"
    )
    print(
        f"{path}: validation accuracy {scores['val_accuracy']:.4%} (loss {scores['val_loss']:.6f}), "
        f"train accuracy {scores['train_accuracy']:.4%}; {verdict}"
    )
    return 0 if same else 1


# --------------------------------------------------------------------------- experiments


def experiment_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minigrad experiment",
        description="Phase 10 experiments, each writing NAME.png and NAME.json: init (uniform vs Xavier vs Kaiming "
        "in a 12-layer ReLU MLP), norm (none vs LayerNorm vs RMSNorm), residual (50 blocks with and without the "
        "skip connection).",
    )
    parser.add_argument("name", choices=("init", "norm", "residual", "all"), help="which experiment")
    parser.add_argument("--out", default="runs/experiments", help="output folder (runs/experiments)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and weights (0)")
    return parser


def experiment_main(argv: Sequence[str]) -> int:
    args = _parse(experiment_parser(), argv)
    if isinstance(args, int):
        return args
    if not _require(["matplotlib"], "experiment"):
        return 1
    from .experiments import EXPERIMENTS, run_experiment

    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    for name in names:
        results = run_experiment(name, args.out, seed=args.seed)
        print(results["summary"])
        print(f"  ({results['elapsed_seconds']:.1f} s) wrote {results['files']['plot']} and {results['files']['json']}")
    return 0
