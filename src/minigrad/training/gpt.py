"""``minigrad train gpt``: MiniGPT learns the phase 12 corpus on the phase-18 loop, then completes held-out cells.

The training is :mod:`minigrad.training.loop`'s, with the preset :data:`TRAIN_GPT` (the loop's
configuration measured best for this task, see the README): paradigm lines, the training cells of
one verb and tense in a fresh random order of persons, in one language ("eat, perfect: he has
eaten, I have eaten, you have eaten"), framed by newlines.  Some lines drop their "verb, tense: "
header, keep a subset of the persons, or repeat one person (:func:`~.loop.draw_paradigm_lines`):
each makes the model predict a word by copying it from the line, the skill that held-out cells
need.  The run folder is the loop's (``manifest.json``, ``checkpoint.safetensors``,
``inspector.log.jsonl``; ``--resume``, Ctrl-C, ``--inspect`` and its ``dashboard.html``, ``--mlflow``).

The metric, once the loop has ended: for each held-out cell (never in any training line), the
greedy completion of its prompt, the other persons of its verb and tense then its own start ("eat,
perfect: I have eaten, you have eaten, he has "), up to the first comma or newline, must equal the
cell's last word ("eaten"), scored per language.  The run folder also gets ``metrics.json``,
``loss.png``, ``samples.txt`` and ``model.safetensors`` (the weights alone, the configuration and
the scores in its metadata, so that ``--eval`` rebuilds the model and scores it again).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .. import checkpoint, nn
from ..commandline import command_parser, help_text, require
from ..data.corpus import LANGUAGES, NEWLINE, Cell, CharTokenizer, held_out_split, paradigm_prompt
from ..engine import no_grad
from ..messages import CatalogError, group_thousands, text
from ..ops.nn import cross_entropy
from ..sampling import generate
from ..tensor import Array, Tensor
from . import loop
from .blas import single_blas_thread
from .loop import LoopConfig, Run, RunInterruptedError
from .texts import TrainingError
from .train import _read_metadata as read_checkpoint_metadata
from .train import (
    array_shapes,
    axis_size,
    check_claimed_sizes,
    checked_metadata,
    config_from_metadata,
    format_bytes,
    physical_memory,
)

MODEL_FORMAT = "minigrad-minigpt-corpus/2"
OLD_MODEL_FORMAT = "minigrad-minigpt-corpus/1"  # train gpt's own configuration, before it ran on the loop
DEFAULT_OUT = "runs/gpt"

# Measured (held-out exact EN / ES, seed 0, see the README), before the loop: 1,200 steps 100 / 87.5, 1,500
# 100 / 92.5, 2,000 100 / 95.0, 2,400 100 / 97.5 (100 / 92.5 on the project's machine); on the loop, 2,400
# steps: 100 / 92.5 on the project's machine.  One Spanish cell is 2.5 points.  lr 1e-2 with betas 0.9/0.99
# and weight decay 0.01 learns the copy; the phase-18 preset's lr 3e-4 is for the course's lines.
TRAIN_GPT = LoopConfig(
    steps=2400,
    batch_size=16,
    lr=1e-2,
    min_lr=0.0,
    warmup_steps=100,
    warmup_start_factor=0.01,
    weight_decay=0.01,
    beta2=0.99,
    embedding_std=0.3,
    lines="paradigms",
    headless=0.5,
    subsets=0.2,
    repeats=0.8,
    checkpoint_every=100,
    val_every=200,  # scoring 80 held-out lines from their prefixes costs about 40 training steps
)


def language_model_loss(logits: Tensor, ids: Array, pad_id: int = 0) -> Tensor:
    """Mean cross-entropy of ``logits[:, t]`` against ``ids[:, t + 1]``; padding targets are ignored."""
    targets = np.where(ids[:, 1:] == pad_id, -100, ids[:, 1:])
    predictions = logits[:, :-1]
    n, t, v = predictions.shape
    return cross_entropy(predictions.reshape(n * t, v), targets.reshape(n * t), ignore_index=-100)


@dataclass(frozen=True)
class CorpusTask:
    """What the evaluation needs: the tokenizer, the training cells and the held-out cells."""

    tokenizer: CharTokenizer
    train: list[Cell]
    held_out: list[Cell]

    def context_of(self, cell: Cell) -> list[Cell]:
        """The training cells of ``cell``'s verb and tense, other than ``cell``, in the corpus' order."""
        return [c for c in self.train if (c.verb, c.tense) == (cell.verb, cell.tense) and c != cell]

    def prompts(self, targets: Sequence[Cell], language: str) -> list[str]:
        return [paradigm_prompt(self.context_of(c), c, language) for c in targets]


def corpus_task(config: LoopConfig) -> CorpusTask:
    train, held_out = held_out_split(config.held_out_per_verb, config.seed)
    return CorpusTask(CharTokenizer.from_corpus(), train, held_out)


class _TokenizerLogits:
    """The model with its logits cut to the tokenizer's symbols (the course's vocabulary of 64 has unused ids)."""

    def __init__(self, model: nn.MiniGPT, vocab_size: int) -> None:
        self.model, self.vocab_size, self.context_length = model, vocab_size, model.context_length

    def __call__(self, ids: Array) -> Tensor:
        logits: Tensor = self.model(ids)
        return logits[..., : self.vocab_size]


def complete(model: nn.MiniGPT, tokenizer: CharTokenizer, prompt: str, max_new: int = 16, **options: Any) -> str:
    """The text the model writes after ``"\\n" + prompt``, up to (not including) the newline."""
    newline = tokenizer.encode(NEWLINE)[0]
    restricted = _TokenizerLogits(model, tokenizer.vocab_size)
    ids = generate(restricted, tokenizer.encode(NEWLINE + prompt), max_new, stop_id=newline, **options)
    return tokenizer.decode(ids[len(prompt) + 1 :]).split(NEWLINE)[0]


def greedy_completions(
    model: nn.MiniGPT, tokenizer: CharTokenizer, prompts: Sequence[str], max_new: int = 16
) -> list[str]:
    """Greedy completions of many prompts at once, each up to its newline.

    The prompts sit left-aligned in one padded batch; row ``b``'s next token
    is read at its own last position.  The causal mask makes the padding to
    the right of a row invisible to it, so each row gets what
    ``model.generate(..., temperature=0)`` would give it alone.
    """
    newline = tokenizer.encode(NEWLINE)[0]
    encoded = [tokenizer.encode(NEWLINE + p) for p in prompts]
    ends = np.array([len(e) for e in encoded])
    width = min(int(ends.max()) + max_new, model.context_length)
    ids = np.zeros((len(prompts), width), dtype=np.int64)
    for row, e in enumerate(encoded):
        ids[row, : len(e)] = e
    done = np.zeros(len(prompts), dtype=bool)
    with no_grad():
        for _ in range(max_new):
            live = ~done & (ends < width)
            if not live.any():
                break
            logits = model(ids[:, : int(ends[live].max())]).data
            rows = np.flatnonzero(live)
            nxt = logits[rows, ends[rows] - 1, : tokenizer.vocab_size].argmax(axis=-1)
            ids[rows, ends[rows]] = nxt
            ends[rows] += 1
            done[rows] |= nxt == newline
    return [tokenizer.decode(ids[row, len(e) : ends[row]]).split(NEWLINE)[0] for row, e in enumerate(encoded)]


def completion_word(text: str) -> str:
    """What the model wrote for the cell: up to the comma that would start the next person."""
    return text.split(",")[0]


def exact_match(model: nn.MiniGPT, task: CorpusTask, cells_: Sequence[Cell]) -> dict[str, Any]:
    """Per language: the share of cells whose greedy completion is exactly their last word, and the misses."""
    out: dict[str, Any] = {}
    for lang in LANGUAGES:
        prompts = task.prompts(cells_, lang)
        got = [completion_word(g) for g in greedy_completions(model, task.tokenizer, prompts)]
        misses = [
            {"prompt": p, "expected": cell.completion(lang), "got": g}
            for p, cell, g in zip(prompts, cells_, got)
            if g != cell.completion(lang)
        ]
        out[lang] = {"exact": 1 - len(misses) / len(cells_), "n": len(cells_), "misses": misses}
    return out


@dataclass
class GPTResult:
    model: nn.MiniGPT
    tokenizer: CharTokenizer
    metrics: dict[str, Any]
    losses: list[float]
    samples: list[str]


def train_gpt(config: LoopConfig, run_dir: str | os.PathLike[str], progress: loop.Progress | None = None) -> Run:
    """Train a new run in ``run_dir`` on the loop (one BLAS thread); Ctrl-C raises ``RunInterruptedError``."""
    with single_blas_thread():
        return loop.train(config, run_dir, progress)


def evaluate_run(run: Run, train_seconds: float) -> GPTResult:
    """Score the held-out cells (and as many training cells) greedily, and write sample completions."""
    start = time.perf_counter()
    config, model = run.config, run.model
    task = corpus_task(config)
    model.eval()
    with single_blas_thread():
        held = exact_match(model, task, task.held_out)
        seen = np.random.default_rng(config.seed).choice(len(task.train), 40, replace=False)
        train_scores = exact_match(model, task, [task.train[i] for i in seen])
        generator = np.random.default_rng(config.seed)
        samples = []
        for cell in task.held_out[:8]:
            for lang in LANGUAGES:
                prompt = task.prompts([cell], lang)[0]
                greedy = completion_word(complete(model, task.tokenizer, prompt, temperature=0))
                options: dict[str, Any] = {"temperature": 0.8, "top_k": 10, "top_p": 0.9, "generator": generator}
                sampled = complete(model, task.tokenizer, prompt, **options)
                expected = cell.completion(lang)
                samples.append(f"{prompt!r} -> greedy {greedy!r}, sampled {sampled!r} (expected {expected!r})")
    records = [json.loads(line) for line in (run.run_dir / loop.LOG).read_text("utf-8").splitlines()]
    losses = [float(r["loss"]) for r in records]
    metrics = {
        "config": asdict(config),
        "parameters": sum(p.size for p in model.parameters()),
        "context_length": model.context_length,
        "n_train_cells": len(task.train),
        "n_held_out_cells": len(task.held_out),
        "held_out_exact": {lang: held[lang]["exact"] for lang in LANGUAGES},
        "held_out_misses": {lang: held[lang]["misses"] for lang in LANGUAGES},
        "train_exact_sample": {lang: train_scores[lang]["exact"] for lang in LANGUAGES},
        "final_loss": float(np.mean(losses[-50:])),
        "final_val_loss": next((r["val_loss"] for r in reversed(records) if r["val_loss"] is not None), None),
        "train_seconds": train_seconds,
        "elapsed_seconds": train_seconds + time.perf_counter() - start,
    }
    return GPTResult(model, task.tokenizer, metrics, losses, samples)


RESULT_FILES = {"metrics": "metrics.json", "checkpoint": "model.safetensors", "samples": "samples.txt"}


def write_gpt_files(result: GPTResult, run_dir: str | os.PathLike[str], plot: bool = True) -> dict[str, str]:
    """Write ``metrics.json``, ``samples.txt``, ``model.safetensors`` (and ``loss.png``) into the run folder.

    Each file is written beside its place and renamed into it, so that none is ever half-written.  Returns
    each file's path.
    """
    folder = Path(run_dir)
    names = RESULT_FILES | ({"plot": "loss.png"} if plot else {})
    paths = {key: folder / name for key, name in names.items()}
    _write_atomically(paths["metrics"], json.dumps(result.metrics, indent=2, ensure_ascii=False) + "\n")
    _write_atomically(paths["samples"], "\n".join(result.samples) + "\n")
    metadata = {
        "format": MODEL_FORMAT,
        "config": json.dumps(result.metrics["config"]),
        "context_length": str(result.metrics["context_length"]),
        "held_out_exact": json.dumps(result.metrics["held_out_exact"]),
    }
    checkpoint.save(paths["checkpoint"], result.model.state_dict(), metadata)  # atomic: temporary file + rename
    if plot:
        partial = paths["plot"].with_name(".loss.png.partial")
        _plot_losses(result, str(partial))
        os.replace(partial, paths["plot"])
    return {key: str(path) for key, path in paths.items()}


def _write_atomically(path: Path, content: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(content, "utf-8")
    os.replace(partial, path)


def centered_mean(values: Sequence[float], half: int) -> Array:
    """The mean of each value and up to ``half`` values on each side, as many on both sides (fewer at the ends).

    Centered, so that it follows the batch losses instead of trailing above them while they fall; the
    window shrinks at the ends, so that it starts at the first loss and ends at the last.
    """
    sums: Array = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(len(values))
    reach = np.minimum(half, np.minimum(index, len(values) - 1 - index))
    means: Array = (sums[index + reach + 1] - sums[index - reach]) / (2 * reach + 1)
    return means


def _plot_losses(result: GPTResult, path: str) -> None:
    """``loss.png``: every step's batch loss, its centered moving mean, the result in the title (current language)."""
    from .plots import pyplot

    plt = pyplot()
    ticker = importlib.import_module("matplotlib.ticker")
    exact = {lang: f"{result.metrics['held_out_exact'][lang]:.1%}" for lang in LANGUAGES}
    fig, ax = plt.subplots(figsize=(7, 4.5))
    steps = np.arange(1, len(result.losses) + 1)
    ax.plot(steps, result.losses, alpha=0.4, label=text("training.gpt.plot_batch"))
    window = 25
    if len(result.losses) >= window:
        ax.plot(steps, centered_mean(result.losses, window // 2), label=text("training.gpt.plot_mean", window=window))
    ax.set(xlabel=text("training.gpt.plot_step"), ylabel=text("training.gpt.plot_loss"), yscale="log")
    ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))  # 2, 0.5: never 6×10^0
    ax.yaxis.set_minor_formatter(ticker.FormatStrFormatter("%g"))
    ax.set_title(text("training.gpt.plot_title", **exact), fontsize=10)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


METADATA_KEYS = ("format", "config", "context_length", "held_out_exact")  # what write_gpt_files writes


def claimed_sizes(path: str | os.PathLike[str], metadata: dict[str, str]) -> tuple[LoopConfig, int, dict[str, Any]]:
    """The configuration and context length a model file's metadata claims, checked against its arrays.

    Every size that decides an array's shape (``d_model``, ``d_ff``, ``n_layers``) must be the
    size the arrays have, ``n_heads`` must divide ``d_model``, and the context length must be the
    one the corpus gives this configuration: checked before any model is built, so that a small file
    claiming ``d_model=10**9`` allocates nothing.  Returns ``(config, context_length, saved scores)``.
    """
    checked_metadata(path, metadata, METADATA_KEYS)
    values = config_from_metadata(path, metadata["config"], [f.name for f in fields(LoopConfig)])
    try:
        config = LoopConfig.from_dict(values)
        context_length = int(metadata["context_length"])
        saved = json.loads(metadata["held_out_exact"])
    except (ValueError, TypeError) as error:
        raise TrainingError("error.metadata_bad", path=os.fspath(path), entry="config", detail=str(error)) from error
    shapes = array_shapes(path)
    blocks = {key.split(".")[1] for key in shapes if key.startswith("blocks.")}
    found = {
        "d_model": axis_size(shapes, "tok_emb.weight", 1),
        "d_ff": axis_size(shapes, "blocks.0.mlp.0.weight", 0),
        "n_layers": len(blocks),
    }
    check_claimed_sizes(path, {name: getattr(config, name) for name in found}, found)
    if config.d_model % config.n_heads:
        detail = f"n_heads {config.n_heads}, d_model {config.d_model}"
        raise TrainingError("error.metadata_bad", path=os.fspath(path), entry="config", detail=detail)
    corpus_length = loop.context_length(config)
    check_claimed_sizes(path, {"context_length": context_length}, {"context_length": corpus_length})
    return config, context_length, saved


def evaluate_gpt_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Rebuild the model from the model file's metadata and score the held-out cells again."""
    metadata = read_checkpoint_metadata(path)  # a TrainingError naming the file when it is not a checkpoint
    if metadata.get("format") == OLD_MODEL_FORMAT:
        raise CatalogError("training.gpt.before_the_loop", path=os.fspath(path))
    if metadata.get("format") != MODEL_FORMAT:
        raise CatalogError("training.gpt.not_a_checkpoint", path=os.fspath(path), found=metadata.get("format"))
    config, context_length, saved = claimed_sizes(path, metadata)
    task = corpus_task(config)
    model = loop.build_model(config, context_length)
    checkpoint.load_into(model, path)
    model.eval()
    with single_blas_thread():
        scores = exact_match(model, task, task.held_out)
    return {
        "held_out_exact": {lang: scores[lang]["exact"] for lang in LANGUAGES},
        "saved_held_out_exact": saved,
        "n": len(task.held_out),
    }


# --------------------------------------------------------------------------- command line


def gpt_parser() -> argparse.ArgumentParser:
    parser = command_parser("minigrad train gpt", _help("help"))
    loop.add_run_options(parser, TRAIN_GPT, out_default=DEFAULT_OUT)
    parser.add_argument("--quiet", action="store_true", help=_help("help_quiet"))
    parser.add_argument("--no-plot", action="store_true", help=_help("help_no_plot"))
    parser.add_argument("--eval", metavar=text("training.metavar.file"), help=_help("help_eval"))
    return parser


def _help(key: str, **fields: Any) -> str:
    return help_text("training.gpt." + key, **fields)


MISSES_SHOWN = 6  # per language, on the console; metrics.json has every miss


def misses_line(misses: Sequence[dict[str, str]], language: str, cells: int) -> str:
    """One line naming the held-out misses of the corpus in ``language`` (``"hecho" -> "hacedo"``: expected ->
    written), at most 6, in the current language.  ``language`` is data (which half of the corpus), not the
    language of the line: English's misses are named in Spanish under ``--lang es``."""
    name = text(f"training.gpt.language_{language}")
    if not misses:
        return text("training.gpt.no_misses", language=name, cells=cells)
    shown = ", ".join(f'"{miss["expected"]}" -> "{miss["got"]}"' for miss in misses[:MISSES_SHOWN])
    if len(misses) > MISSES_SHOWN:
        shown += ", " + text("training.gpt.more_misses", n=len(misses) - MISSES_SHOWN)
    return text("training.gpt.misses", language=name, n=len(misses), cells=cells, misses=shown)


def _percent(shares: dict[str, float]) -> dict[str, str]:
    return {lang: f"{shares[lang]:.1%}" for lang in LANGUAGES}


class _Console:
    """What a person sees while the loop runs: the header once, and a progress bar when one is wanted."""

    def __init__(self, bar: bool) -> None:
        self.want_bar, self.bar = bar, None

    def start(self, run: Run) -> None:
        config = run.config
        print(text("training.gpt.header", layers=config.n_layers, d_model=config.d_model, steps=config.steps))
        if self.want_bar:
            tqdm = importlib.import_module("tqdm").tqdm
            desc, unit = text("training.gpt.progress"), text("training.gpt.progress_unit")
            self.bar = tqdm(total=config.steps, initial=run.step, desc=desc, unit=unit)
            self.loss_word = text("training.gpt.progress_loss")

    def __call__(self, step: int, record: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix({self.loss_word: f"{record['loss']:.3f}"})

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _manifest_config(run_dir: str) -> LoopConfig:
    return LoopConfig.from_dict(json.loads((Path(run_dir) / loop.MANIFEST).read_text("utf-8"))["config"])


def gpt_main(argv: Sequence[str]) -> int:
    """``minigrad train gpt [options]``; run inside ``minigrad train``'s entry point (language, errors, exit codes)."""
    args = gpt_parser().parse_args(list(argv))
    require(["safetensors"], "`minigrad train gpt`")
    if args.eval:
        return _evaluate(args.eval)
    plot = not args.no_plot
    if plot:
        require(["matplotlib"], "loss.png (--no-plot)")
    if args.mlflow:
        from .tracking import require_mlflow

        require_mlflow()
    bar = not args.quiet and sys.stdout.isatty() and importlib.util.find_spec("tqdm") is not None
    console = _Console(bar)
    config = loop.chosen_config(args, TRAIN_GPT)
    folder = args.resume if args.resume is not None else args.out
    with loop.locked_run_dir(folder, resuming=config is None):  # checked and locked before training
        started = time.perf_counter()
        try:
            run = loop.start_or_resume(args, config, console, start=train_gpt)
        except RunInterruptedError as stop:
            console.close()
            sys.stdout.flush()
            print(loop.interrupted_line(stop, folder, "minigrad train gpt"), file=sys.stderr)
            return stop.status
        except MemoryError as error:  # NumPy's "Unable to allocate ...": a size the user chose, not a fallo
            console.close()
            config = config or _manifest_config(folder)
            raise TrainingError(
                "gpt.too_big",
                d_model=config.d_model,
                d_ff=config.d_ff,
                n_layers=config.n_layers,
                detail=str(error),
                memory=format_bytes(have) if (have := physical_memory()) else "?",
            ) from error
        console.close()
        result = evaluate_run(run, time.perf_counter() - started)
        files = write_gpt_files(result, run.run_dir, plot=plot)
        m = result.metrics
        print(
            text(
                "training.gpt.result",
                parameters=group_thousands(m["parameters"]),
                seconds=f"{m['train_seconds']:.1f}",
                loss=f"{m['final_loss']:.4f}",
                cells=m["n_held_out_cells"],
                **_percent(m["held_out_exact"]),
            )
        )
        for language in LANGUAGES:
            print(misses_line(m["held_out_misses"][language], language, m["n_held_out_cells"]))
        loop.write_reports(run, args.mlflow, [Path(path).name for path in files.values()])
    written = [*files.values(), *(str(run.run_dir / name) for name in (loop.CHECKPOINT, loop.LOG, loop.MANIFEST))]
    print(text("training.gpt.files", files=", ".join(written)))
    print(text("training.gpt.reload_hint", checkpoint=files["checkpoint"]))
    return 0


def _evaluate(path: str) -> int:
    """``--eval FILE``: score a ``model.safetensors`` again; exit 1 when the scores differ from training time."""
    scores = evaluate_gpt_checkpoint(path)
    same = scores["held_out_exact"] == scores["saved_held_out_exact"]
    verdict = (
        text("training.gpt.eval_same")
        if same
        else text("training.gpt.eval_differs", **_percent(scores["saved_held_out_exact"]))
    )
    print(
        text("training.gpt.eval", path=path, cells=scores["n"], verdict=verdict, **_percent(scores["held_out_exact"]))
    )
    return 0 if same else 1
