"""``minigrad train [MODEL]`` and ``minigrad experiment``: argument parsing and what gets printed.

Every text comes from the message catalog (``messages/training.toml``) in the language chosen
at the edge (``--lang``, else ``MINIGRAD_LANG``; see :mod:`minigrad.commandline`, whose parser
factory and entry point these commands use).  Bad input ends with ``minigrad: error: ...`` on
stderr and exit code 2, before any training starts; a missing optional package with exit code 1.
A training writes its run folder whole or not at all (:mod:`.runfolder`): the folder is checked and
locked before training, and Ctrl-C (exit 130) or SIGTERM (exit 143) leaves the previous run as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..commandline import (
    MissingPackageError,
    UsageError,
    command_parser,
    entry_point,
    help_text,
    missing_packages,
    number,
)
from ..messages import text as catalog_text
from .runfolder import RunFolder, Terminated, sigterm_as_interrupt
from .texts import text
from .train import DEFAULT_HYPERPARAMETERS, OPTIMIZERS, TrainConfig

__all__ = [
    "claimed_run_folder",
    "experiment_main",
    "experiment_parser",
    "missing_packages",
    "show_progress",
    "train_main",
    "train_parser",
]


# Through this module's own `missing_packages`, which a test may replace to simulate a missing package.
def _require(names: Sequence[str], command: str) -> None:
    """Raise :class:`MissingPackageError` (exit 1, says what to install) if a package of ``names`` is missing."""
    missing = missing_packages(names)
    if missing:
        raise MissingPackageError(f"`minigrad {command}`", missing)


def _help(key: str, **fields: Any) -> str:
    return help_text("training." + key, **fields)


def show_progress(quiet: bool) -> bool:
    """A progress bar only for a person watching: not with ``--quiet``, nor when output goes to a file or pipe."""
    return not quiet and sys.stdout.isatty() and sys.stderr.isatty()


EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them


@contextlib.contextmanager
def claimed_run_folder(out: str) -> Iterator[RunFolder]:
    """The :class:`RunFolder` of ``out``, checked and locked now (a TrainingError: exit 2), before any training.

    Ctrl-C or SIGTERM inside the block ends it: the run folder removes what was staged, a
    message says whether ``out`` is as it was, and ``run.stopped`` holds the exit status (130 for
    Ctrl-C, 143 for SIGTERM, as shells report them); it stays None when the block ran to its end.
    """
    run = RunFolder(out)
    try:
        with sigterm_as_interrupt(), run:
            yield run
    except KeyboardInterrupt as signal_:
        sys.stdout.flush()
        print(catalog_text("cli.interrupted") if run.committed else text("interrupted", path=out), file=sys.stderr)
        run.stopped = EXIT_TERMINATED if isinstance(signal_, Terminated) else EXIT_INTERRUPTED


# --------------------------------------------------------------------------- minigrad train [MODEL]


# Where `minigrad train` writes each encoding's run unless --out says otherwise.
DEFAULT_OUT = {"ngrams": "runs/verbs", "course": "runs/verbs-course"}


def train_parser() -> argparse.ArgumentParser:
    d = TrainConfig()
    parser = command_parser(
        "minigrad train",
        _help("help.train", models=", ".join(MODELS), default=DEFAULT_MODEL),
        usage=text("usage.train"),  # the model comes first: `minigrad train gpt --steps 60`
    )
    parser.add_argument(
        "model",
        nargs="?",
        choices=list(MODELS),
        default=DEFAULT_MODEL,
        metavar=text("metavar.model"),
        help=_help("help.model", models=", ".join(MODELS), default=DEFAULT_MODEL),
    )
    parser.add_argument(
        "--epochs",
        type=number("positive_int"),
        metavar="N",
        default=d.epochs,
        help=_help("help.epochs", default=d.epochs),
    )
    per_optimizer = ", ".join(f"{name} {lr}" for name, (lr, _) in DEFAULT_HYPERPARAMETERS.items())
    parser.add_argument(
        "--lr", type=number("positive_float"), metavar="X", help=_help("help.lr", default=per_optimizer)
    )
    parser.add_argument(
        "--hidden",
        type=number("positive_int"),
        metavar="N",
        default=d.hidden,
        help=_help("help.hidden", default=d.hidden),
    )
    parser.add_argument(
        "--seed", type=number("seed"), metavar="N", default=d.seed, help=_help("help.seed", default=d.seed)
    )
    parser.add_argument(
        "--batch-size",
        type=number("positive_int"),
        metavar="N",
        default=d.batch_size,
        help=_help("help.batch_size", default=d.batch_size),
    )
    parser.add_argument(
        "--optimizer", choices=OPTIMIZERS, default=d.optimizer, help=_help("help.optimizer", default=d.optimizer)
    )
    per_optimizer_wd = ", ".join(f"{name} {wd}" for name, (_, wd) in DEFAULT_HYPERPARAMETERS.items())
    parser.add_argument(
        "--weight-decay",
        type=number("nonnegative_float"),
        metavar="X",
        help=_help("help.weight_decay", default=per_optimizer_wd),
    )
    parser.add_argument("--encode", choices=("ngrams", "course"), default=d.encode, help=_help("help.encode"))
    parser.add_argument(
        "--language", choices=("en", "es"), default=d.language, help=_help("help.language", default=d.language)
    )
    parser.add_argument("--out", metavar=text("metavar.folder"), help=_help("help.train_out", **DEFAULT_OUT))
    parser.add_argument("--quiet", action="store_true", help=_help("help.quiet"))
    parser.add_argument("--eval", metavar=text("metavar.file"), help=_help("help.eval"))
    return parser


@entry_point
def train_main(argv: list[str]) -> int:
    """``minigrad train [MODEL] [options]``: MODEL picks the trainer in :data:`MODELS` (the verb MLP by default)."""
    if argv and not argv[0].startswith("-"):
        if argv[0] not in MODELS:
            raise UsageError(text("error.unknown_model", model=argv[0], choices=", ".join(MODELS)))
        return MODELS[argv[0]](argv[1:])
    return MODELS[DEFAULT_MODEL](argv)


def train_mlp_main(argv: Sequence[str]) -> int:
    """``minigrad train [mlp]``: the verb-tense MLP."""
    args = train_parser().parse_args(list(argv))
    if args.model != DEFAULT_MODEL:  # `train --epochs 2 gpt`: the model's options are its own
        raise UsageError(text("error.model_not_first", model=args.model))
    if args.eval:
        return _evaluate(args.eval)
    bar = show_progress(args.quiet)
    _require(["safetensors", "matplotlib"] + (["tqdm"] if bar else []), "train")
    default_lr, default_weight_decay = DEFAULT_HYPERPARAMETERS[args.optimizer]
    config = TrainConfig(  # the parser's checks come first; the library's own are a backstop (a ValueError: exit 2)
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

    from .blas import single_blas_thread
    from .train import course_bound, train, write_run

    out = DEFAULT_OUT[config.encode] if args.out is None else args.out  # each encoding its own run folder
    with claimed_run_folder(out) as run:  # checked and locked (exit 2) before any training
        if not args.quiet:
            print(
                text(
                    "train.header",
                    hidden=config.hidden,
                    encoding=text(f"train.encoding.{config.encode}"),
                    optimizer=config.optimizer,
                    lr=config.lr,
                    epochs=config.epochs,
                    seed=config.seed,
                )
            )
        with single_blas_thread():
            result = train(config, _progress_bar() if bar else None)
        files = write_run(result, run)
        run.commit()
    if run.stopped is not None:
        return run.stopped
    final, metrics = result.metrics["final"], result.metrics
    print(
        text(
            "train.result",
            train_accuracy=f"{final['train_accuracy']:.1%}",
            train_loss=f"{final['train_loss']:.4f}",
            val_accuracy=f"{final['val_accuracy']:.1%}",
            val_loss=f"{final['val_loss']:.4f}",
            n_val=metrics["n_val"],
            seconds=f"{metrics['elapsed_seconds']:.1f}",
        )
    )
    if config.encode == "course":
        n_inputs, bound = course_bound(result.dataset)
        why = text(
            "train.course_why",
            val_accuracy=f"{final['val_accuracy']:.1%}",
            chance=f"{1 / result.dataset.n_classes:.0%}",
            n_inputs=n_inputs,
            n_train=metrics["n_train"],
            bound=f"{bound:.0%}",
        )
        print(why)
    print(text("train.files", **files))
    if not args.quiet:
        print(text("train.reload_hint", checkpoint=files["checkpoint"]))
    return 0


def _progress_bar() -> Callable[[int], Any]:
    """A tqdm bar factory with the texts in the current language (its postfix keys too)."""
    tqdm = importlib.import_module("tqdm").tqdm  # optional: imported by name, only when a bar is shown
    # train() reports these postfix keys; each is shown in the current language
    keys = {"loss": "loss", "val_loss": "val_loss", "val_acc": "val_accuracy"}
    keys = {key: text(f"train.progress_{entry}") for key, entry in keys.items()}
    desc, unit = text("train.progress"), text("train.progress_unit")

    class Bar(tqdm):  # type: ignore[misc, valid-type]
        def set_postfix(self, **values: Any) -> None:
            renamed = {keys.get(k, k): v for k, v in values.items()}
            super().set_postfix(renamed)

    def progress(total: int) -> Any:
        return Bar(total=total, desc=desc, unit=unit, file=sys.stderr)

    return progress


def _evaluate(path: str) -> int:
    _require(["safetensors"], "train --eval")
    from .train import evaluate_checkpoint

    scores = evaluate_checkpoint(path)  # a TrainingError (exit 2) names what is wrong with the file
    same = scores["val_accuracy"] == scores["saved_val_accuracy"]
    verdict = (
        text("train.eval_same") if same else text("train.eval_differs", saved=f"{scores['saved_val_accuracy']:.4%}")
    )
    print(
        text(
            "train.eval",
            path=path,
            val_accuracy=f"{scores['val_accuracy']:.4%}",
            val_loss=f"{scores['val_loss']:.6f}",
            train_accuracy=f"{scores['train_accuracy']:.4%}",
            verdict=verdict,
        )
    )
    return 0 if same else 1


# `minigrad train MODEL`: each model's own command line.  A new model adds its entry here.
def train_gpt_main(argv: Sequence[str]) -> int:
    """``minigrad train gpt``: MiniGPT on the verb corpus (see :mod:`minigrad.training.gpt`)."""
    from .gpt import gpt_main  # imported only when asked for

    return gpt_main(argv)


MODELS: dict[str, Callable[[Sequence[str]], int]] = {"mlp": train_mlp_main, "gpt": train_gpt_main}
DEFAULT_MODEL = "mlp"


# --------------------------------------------------------------------------- minigrad experiment


def experiment_parser() -> argparse.ArgumentParser:
    parser = command_parser("minigrad experiment", _help("help.experiment"))
    parser.add_argument(
        "name",
        choices=("init", "norm", "residual", "all"),
        metavar=text("metavar.experiment"),
        help=_help("help.experiment_name"),
    )
    parser.add_argument(
        "--out",
        default="runs/experiments",
        metavar=text("metavar.folder"),
        help=_help("help.out", default="runs/experiments"),
    )
    parser.add_argument(
        "--seed", type=number("seed"), metavar="N", default=0, help=_help("help.experiment_seed", default=0)
    )
    return parser


@entry_point
def experiment_main(argv: list[str]) -> int:
    args = experiment_parser().parse_args(argv)
    _require(["matplotlib"], "experiment")
    from .experiments import EXPERIMENTS, run_experiment
    from .train import prepare_out_dir

    prepare_out_dir(args.out)
    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    for name in names:
        results = run_experiment(name, args.out, seed=args.seed)
        print(results["summary"])
        seconds = f"{results['elapsed_seconds']:.1f}"
        print(text("exp.wrote", seconds=seconds, **results["files"]))
    return 0
