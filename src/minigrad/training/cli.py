"""``minigrad train [MODEL]`` and ``minigrad experiment``: argument parsing and what gets printed.

Every text comes from ``texts.toml`` in the language of ``--lang`` (en, es).
Bad input ends with ``minigrad: error: ...`` on stderr and exit code 2, before
any training starts; a missing optional package with exit code 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .texts import LANGS, TrainingError, text
from .train import DEFAULT_HYPERPARAMETERS, OPTIMIZERS, TrainConfig

EXIT_BAD_INPUT = 2


def missing_packages(names: Sequence[str]) -> list[str]:
    return [name for name in names if importlib.util.find_spec(name) is None]


def _require(names: Sequence[str], command: str, lang: str) -> bool:
    missing = missing_packages(names)
    if missing:
        print(f"minigrad {command}: {text('error.missing_packages', lang, names=', '.join(missing))}", file=sys.stderr)
    return not missing


def _fail(message: str) -> int:
    print(f"minigrad: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _lang_of(argv: Sequence[str]) -> str:
    """The ``--lang`` value, read before parsing so that help and parse errors are in that language too."""
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else arg.removeprefix("--lang=")
        if arg.startswith("--lang") and value in LANGS:
            return value
    return "en"


class _Parser(argparse.ArgumentParser):
    """argparse, with its error line as ``minigrad: error: ...`` in the chosen language."""

    def __init__(self, lang: str, **kwargs: Any) -> None:
        super().__init__(add_help=False, **kwargs)
        self.lang = lang
        self.add_argument("-h", "--help", action="help", help=_help("help.help", lang))

    def _translate(self, message: str, keys: Sequence[str]) -> str:
        for key in keys:
            message = message.replace(text(f"argparse.{key}", "en"), text(f"argparse.{key}", self.lang))
        return message

    def format_usage(self) -> str:
        return self._translate(super().format_usage(), ["usage"])

    def format_help(self) -> str:
        return self._translate(super().format_help(), ["usage", "options", "positional"])

    def error(self, message: str) -> NoReturn:
        keys = ("argument", "invalid_choice", "choose_from", "unrecognized", "expected_one", "required")
        message = self._translate(message, keys)
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"minigrad: error: {self.prog}: {message}\n")


# What each kind of numeric option accepts, and the error that names it otherwise.
NUMBER_RULES: dict[str, tuple[Callable[[str], Any], Callable[[Any], bool]]] = {
    "error.positive_int": (int, lambda v: v >= 1),
    "error.seed": (int, lambda v: v >= 0),
    "error.positive_float": (float, lambda v: math.isfinite(v) and v > 0),
    "error.nonnegative_float": (float, lambda v: math.isfinite(v) and v >= 0),
}


def _number(rule: str, lang: str) -> Callable[[str], Any]:
    """An argparse ``type``: parse the text, check it against ``NUMBER_RULES[rule]`` (argparse names the option)."""
    kind, accepts = NUMBER_RULES[rule]

    def parse(raw: str) -> Any:
        try:
            value = kind(raw)
        except ValueError:
            key = "error.not_an_int" if kind is int else "error.not_a_float"
            raise argparse.ArgumentTypeError(text(key, lang, value=raw)) from None
        if not accepts(value):
            raise argparse.ArgumentTypeError(text(rule, lang, value=raw))
        return value

    return parse


def _help(key: str, lang: str, **fields: Any) -> str:
    """A help text for argparse, which reads ``%`` as a format character."""
    return text(key, lang, **fields).replace("%", "%%")


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose (``--help`` is 0, a bad argument 2)."""
    try:
        return parser.parse_args(list(argv))
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_BAD_INPUT


def _add_lang(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument("--lang", choices=LANGS, default="en", help=_help("help.lang", lang))


def show_progress(quiet: bool) -> bool:
    """A progress bar only for a person watching: not with ``--quiet``, nor when output goes to a file or pipe."""
    return not quiet and sys.stdout.isatty() and sys.stderr.isatty()


# --------------------------------------------------------------------------- minigrad train [MODEL]


def train_parser(lang: str = "en") -> argparse.ArgumentParser:
    d = TrainConfig()
    parser = _Parser(
        lang,
        prog="minigrad train",
        description=_help("help.train", lang, models=", ".join(MODELS), default=DEFAULT_MODEL),
    )

    parser.add_argument(
        "--epochs",
        type=_number("error.positive_int", lang),
        metavar="N",
        default=d.epochs,
        help=_help("help.epochs", lang, default=d.epochs),
    )
    per_optimizer = ", ".join(f"{name} {lr}" for name, (lr, _) in DEFAULT_HYPERPARAMETERS.items())
    parser.add_argument(
        "--lr",
        type=_number("error.positive_float", lang),
        metavar="X",
        help=_help("help.lr", lang, default=per_optimizer),
    )
    parser.add_argument(
        "--hidden",
        type=_number("error.positive_int", lang),
        metavar="N",
        default=d.hidden,
        help=_help("help.hidden", lang, default=d.hidden),
    )
    parser.add_argument(
        "--seed",
        type=_number("error.seed", lang),
        metavar="N",
        default=d.seed,
        help=_help("help.seed", lang, default=d.seed),
    )
    parser.add_argument(
        "--batch-size",
        type=_number("error.positive_int", lang),
        metavar="N",
        default=d.batch_size,
        help=_help("help.batch_size", lang, default=d.batch_size),
    )
    parser.add_argument(
        "--optimizer", choices=OPTIMIZERS, default=d.optimizer, help=_help("help.optimizer", lang, default=d.optimizer)
    )
    per_optimizer_wd = ", ".join(f"{name} {wd}" for name, (_, wd) in DEFAULT_HYPERPARAMETERS.items())
    parser.add_argument(
        "--weight-decay",
        type=_number("error.nonnegative_float", lang),
        metavar="X",
        help=_help("help.weight_decay", lang, default=per_optimizer_wd),
    )
    parser.add_argument("--encode", choices=("ngrams", "course"), default=d.encode, help=_help("help.encode", lang))
    parser.add_argument(
        "--language", choices=LANGS, default=d.language, help=_help("help.language", lang, default=d.language)
    )
    _add_lang(parser, lang)
    parser.add_argument(
        "--out",
        default="runs/verbs",
        metavar=text("metavar.folder", lang),
        help=_help("help.out", lang, default="runs/verbs"),
    )
    parser.add_argument("--quiet", action="store_true", help=_help("help.quiet", lang))
    parser.add_argument("--eval", metavar=text("metavar.file", lang), help=_help("help.eval", lang))
    return parser


def train_main(argv: Sequence[str]) -> int:
    """``minigrad train [MODEL] [options]``: MODEL picks the trainer in :data:`MODELS` (the verb MLP by default)."""
    argv = list(argv)
    if argv and not argv[0].startswith("-"):
        if argv[0] not in MODELS:
            return _fail(text("error.unknown_model", _lang_of(argv), model=argv[0], choices=", ".join(MODELS)))
        return MODELS[argv[0]](argv[1:])
    return MODELS[DEFAULT_MODEL](argv)


def train_mlp_main(argv: Sequence[str]) -> int:
    """``minigrad train [mlp]``: the verb-tense MLP."""
    lang = _lang_of(argv)
    args = _parse(train_parser(lang), argv)
    if isinstance(args, int):
        return args
    if args.eval:
        return _evaluate(args.eval, lang)
    bar = show_progress(args.quiet)
    if not _require(["safetensors", "matplotlib"] + (["tqdm"] if bar else []), "train", lang):
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
    except ValueError as error:  # the parser's checks come first; this is the library's own, as a backstop
        return _fail(str(error))

    from .blas import single_blas_thread
    from .train import course_bound, prepare_out_dir, save_run, train

    try:
        prepare_out_dir(args.out)
    except TrainingError as error:
        return _fail(error.text(lang))
    if not args.quiet:
        print(
            text(
                "train.header",
                lang,
                hidden=config.hidden,
                encoding=text(f"train.encoding.{config.encode}", lang),
                optimizer=config.optimizer,
                lr=config.lr,
                epochs=config.epochs,
                seed=config.seed,
            )
        )
    with single_blas_thread():
        result = train(config, _progress_bar(lang) if bar else None)
    files = save_run(result, args.out, lang=lang)
    final, metrics = result.metrics["final"], result.metrics
    print(
        text(
            "train.result",
            lang,
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
            lang,
            val_accuracy=f"{final['val_accuracy']:.1%}",
            chance=f"{1 / result.dataset.n_classes:.0%}",
            n_inputs=n_inputs,
            n_train=metrics["n_train"],
            bound=f"{bound:.0%}",
        )
        print(why)
    print(text("train.files", lang, **files))
    if not args.quiet:
        print(text("train.reload_hint", lang, checkpoint=files["checkpoint"]))
    return 0


def _progress_bar(lang: str) -> Callable[[int], Any]:
    """A tqdm bar factory with the texts in ``lang`` (its postfix keys too)."""
    tqdm = importlib.import_module("tqdm").tqdm  # optional: imported by name, only when a bar is shown
    # train() reports these postfix keys; each is shown in ``lang``
    keys = {"loss": "loss", "val_loss": "val_loss", "val_acc": "val_accuracy"}
    keys = {key: text(f"train.progress_{entry}", lang) for key, entry in keys.items()}

    class Bar(tqdm):  # type: ignore[misc, valid-type]
        def set_postfix(self, **values: Any) -> None:
            renamed = {keys.get(k, k): v for k, v in values.items()}
            super().set_postfix(renamed)

    def progress(total: int) -> Any:
        unit = text("train.progress_unit", lang)
        return Bar(total=total, desc=text("train.progress", lang), unit=unit, file=sys.stderr)

    return progress


def _evaluate(path: str, lang: str) -> int:
    if not _require(["safetensors"], "train --eval", lang):
        return 1
    from .train import evaluate_checkpoint

    try:
        scores = evaluate_checkpoint(path)
    except TrainingError as error:
        return _fail(error.text(lang))
    same = scores["val_accuracy"] == scores["saved_val_accuracy"]
    verdict = (
        text("train.eval_same", lang)
        if same
        else text("train.eval_differs", lang, saved=f"{scores['saved_val_accuracy']:.4%}")
    )
    print(
        text(
            "train.eval",
            lang,
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


def experiment_parser(lang: str = "en") -> argparse.ArgumentParser:
    parser = _Parser(lang, prog="minigrad experiment", description=_help("help.experiment", lang))
    parser.add_argument(
        "name",
        choices=("init", "norm", "residual", "all"),
        metavar=text("metavar.experiment", lang),
        help=_help("help.experiment_name", lang),
    )
    parser.add_argument(
        "--out",
        default="runs/experiments",
        metavar=text("metavar.folder", lang),
        help=_help("help.out", lang, default="runs/experiments"),
    )
    parser.add_argument(
        "--seed",
        type=_number("error.seed", lang),
        metavar="N",
        default=0,
        help=_help("help.experiment_seed", lang, default=0),
    )
    _add_lang(parser, lang)
    return parser


def experiment_main(argv: Sequence[str]) -> int:
    lang = _lang_of(argv)
    args = _parse(experiment_parser(lang), argv)
    if isinstance(args, int):
        return args
    if not _require(["matplotlib"], "experiment", lang):
        return 1
    from .experiments import EXPERIMENTS, run_experiment
    from .train import prepare_out_dir

    try:
        prepare_out_dir(args.out)
    except TrainingError as error:
        return _fail(error.text(lang))
    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    for name in names:
        results = run_experiment(name, args.out, seed=args.seed, lang=lang)
        print(results["summary"])
        seconds = f"{results['elapsed_seconds']:.1f}"
        print(text("exp.wrote", lang, seconds=seconds, **results["files"]))
    return 0
