"""``minigrad train gpt``: MiniGPT learns the phase 12 corpus, then completes held-out cells.

Training lines are paradigm lines: the training cells of one verb and tense,
in a fresh random order of persons at every step, in one language
("eat, perfect: he has eaten, I have eaten, you have eaten"), framed by
newlines.  Some lines drop their "verb, tense: " header, keep a subset of
the persons, or repeat one person (see :class:`GPTConfig`): each makes the
model predict a word by copying it from the line, the skill that held-out
cells need.  The model is the course's MiniGPT (:meth:`minigrad.nn.MiniGPT.course`)
in float32, trained with AdamW, linear warmup then cosine decay, and gradient
clipping.  The metric: for each held-out cell (never in any training line),
the greedy completion of its prompt, the other persons of its verb and tense
then its own start ("eat, perfect: I have eaten, you have eaten, he has "),
up to the first comma or newline, must equal the cell's last word ("eaten"),
scored per language.  The run folder gets ``metrics.json``, ``loss.png``,
``samples.txt`` and ``model.safetensors`` (the configuration in its
metadata, so that ``--eval`` rebuilds the model and scores it again).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .. import checkpoint, nn
from ..commandline import UsageError, command_parser, help_text, number, require
from ..data.corpus import (
    LANGUAGES,
    NEWLINE,
    Cell,
    CharTokenizer,
    cells,
    encode_lines,
    held_out_split,
    paradigm_groups,
    paradigm_line,
    paradigm_prompt,
)
from ..engine import no_grad
from ..messages import CatalogError, group_thousands, text
from ..nn import init
from ..ops.nn import cross_entropy
from ..optim import AdamW
from ..optim.clip import clip_grad_norm_
from ..optim.lr_scheduler import WarmupCosine
from ..sampling import generate
from ..tensor import Array, Tensor
from .blas import single_blas_thread
from .runfolder import RunFolder
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

CHECKPOINT_FORMAT = "minigrad-minigpt-corpus/1"


def language_model_loss(logits: Tensor, ids: Array, pad_id: int = 0) -> Tensor:
    """Mean cross-entropy of ``logits[:, t]`` against ``ids[:, t + 1]``; padding targets are ignored."""
    targets = np.where(ids[:, 1:] == pad_id, -100, ids[:, 1:])
    predictions = logits[:, :-1]
    n, t, v = predictions.shape
    return cross_entropy(predictions.reshape(n * t, v), targets.reshape(n * t), ignore_index=-100)


@dataclass(frozen=True)
class GPTConfig:
    """Everything that decides a run's numbers (the defaults are the best measured; see the README)."""

    # Measured (held-out exact EN / ES, seed 0): 1,200 steps 100 / 87.5, 1,500 100 / 92.5, 2,000 100 / 95.0,
    # 2,400 100 / 97.5 (seed 1: 2,000 and 2,400 both 100 / 97.5); one Spanish cell is 2.5 points.
    steps: int = 2400
    batch_size: int = 16
    lr: float = 1e-2
    warmup_steps: int = 100
    weight_decay: float = 0.01
    clip: float = 1.0
    seed: int = 0
    # Token embeddings start at N(0, 0.3^2) rather than GPT-2's 0.02: next to the sinusoidal table
    # (amplitude 1) a 0.02 embedding carries almost no token identity; measured, 0.3 learns far faster.
    embedding_std: float = 0.3
    held_out_per_verb: int = 2
    # Share of training lines written without their "verb, tense: " header.  Without it the first
    # person's word cannot be recalled, only the later persons can, by copying it: this pushes
    # the model to learn the copy that held-out cells need, instead of memorizing line by line.
    headless: float = 0.5
    # Share of training lines that keep a random non-empty subset of their group's persons, so
    # that every person is seen at every position and after every other one.
    subsets: float = 0.2
    # Share of training lines that draw one person more than their group holds, with replacement,
    # so that the line repeats a phrase: one more word that can only be predicted by copying.
    repeats: float = 0.8
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 256

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "warmup_steps", "d_model", "n_heads", "n_layers", "d_ff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"train gpt: {name} must be a positive integer, got {value!r}")
        if self.steps <= self.warmup_steps:
            raise ValueError(f"train gpt: steps ({self.steps}) must be larger than warmup_steps ({self.warmup_steps})")
        if not self.lr > 0 or self.clip <= 0 or self.weight_decay < 0 or not self.embedding_std > 0:
            raise ValueError("train gpt: lr, clip and embedding_std must be > 0, weight_decay >= 0")
        shares = (self.headless, self.subsets, self.repeats)
        if not all(0 <= share <= 1 for share in shares) or self.subsets + self.repeats > 1:
            raise ValueError(
                f"train gpt: headless, subsets, repeats must be in [0, 1] and subsets + repeats <= 1, got {shares}"
            )

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> GPTConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class CorpusTask:
    """The data of a run: the tokenizer, the training groups, the held-out cells and the context length."""

    tokenizer: CharTokenizer
    groups: list[list[Cell]]
    train: list[Cell]
    held_out: list[Cell]
    length: int

    def context_of(self, cell: Cell) -> list[Cell]:
        """The training cells of ``cell``'s verb and tense, other than ``cell``, in the corpus' order."""
        return [c for c in self.train if (c.verb, c.tense) == (cell.verb, cell.tense) and c != cell]

    def prompts(self, targets: Sequence[Cell], language: str) -> list[str]:
        return [paradigm_prompt(self.context_of(c), c, language) for c in targets]

    def batch(
        self, rng: np.random.Generator, size: int, headless: float = 0.0, subsets: float = 0.0, repeats: float = 0.0
    ) -> Array:
        """``size`` paradigm lines, random groups, languages and person orders; padding cut to the longest.

        A share ``subsets`` of the lines keeps a random non-empty subset of the persons, and a
        share ``headless`` drops the "verb, tense: " header (the line then starts at the first person).
        """
        lines = []
        for g in rng.integers(0, len(self.groups), size):
            group = self.groups[g]
            order = rng.permutation(len(group))
            draw = rng.random()
            if draw < subsets:
                order = order[: int(rng.integers(1, len(group) + 1))]
            elif draw < subsets + repeats:
                order = rng.integers(0, len(group), len(group) + 1)
            line = paradigm_line([group[i] for i in order], LANGUAGES[int(rng.integers(len(LANGUAGES)))])
            lines.append(line.split(": ", 1)[1] if rng.random() < headless else line)
        return encode_lines(lines, self.tokenizer, max(len(line) for line in lines) + 2)


def corpus_task(config: GPTConfig) -> CorpusTask:
    train, held_out = held_out_split(config.held_out_per_verb, config.seed)
    groups = paradigm_groups(train)
    full = [[c for c in cells() if (c.verb, c.tense) == (g[0].verb, g[0].tense)] for g in groups]
    # room for the longest line: the full group, or a line that repeats its longest phrase
    # (see GPTConfig.repeats), with its two newlines
    longest = [
        len(paradigm_line([max(g, key=lambda c: len(c.phrase(lang)))] * (len(g) + 1), lang))
        for g in groups
        for lang in LANGUAGES
    ]
    length = max(*longest, *(len(paradigm_line(g, lang)) for g in full for lang in LANGUAGES)) + 2
    return CorpusTask(CharTokenizer.from_corpus(), groups, train, held_out, length)


def build_model(config: GPTConfig, context_length: int) -> nn.MiniGPT:
    model = nn.MiniGPT.course(
        d_model=config.d_model,
        n_heads=config.n_heads,
        n_layers=config.n_layers,
        d_ff=config.d_ff,
        context_length=context_length,
        dtype=np.float32,
        generator=np.random.default_rng(config.seed),
    )
    init.normal_(model.tok_emb.weight, 0.0, config.embedding_std, generator=np.random.default_rng(config.seed + 2))
    return model


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


ProgressFactory = Callable[[int], Any]


@dataclass
class GPTResult:
    model: nn.MiniGPT
    tokenizer: CharTokenizer
    metrics: dict[str, Any]
    losses: list[float]
    samples: list[str]


def train_gpt(config: GPTConfig, progress: ProgressFactory | None = None) -> GPTResult:
    """Train, then score the held-out cells (and as many training cells) greedily, on one BLAS thread."""
    with single_blas_thread():
        return _train_gpt(config, progress)


def _train_gpt(config: GPTConfig, progress: ProgressFactory | None) -> GPTResult:
    start = time.perf_counter()
    task = corpus_task(config)
    model = build_model(config, task.length)
    optimizer = AdamW(model.parameters(), lr=config.lr, betas=(0.9, 0.99), weight_decay=config.weight_decay)
    scheduler = WarmupCosine(optimizer, config.warmup_steps, config.steps, start_factor=0.01)
    rng = np.random.default_rng(config.seed + 1)
    losses: list[float] = []
    bar = progress(config.steps) if progress is not None else None
    for _ in range(config.steps):
        batch = task.batch(rng, config.batch_size, config.headless, config.subsets, config.repeats)
        optimizer.zero_grad()
        loss = language_model_loss(model(batch), batch)
        loss.backward()
        clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        scheduler.step()
        losses.append(float(loss.item()))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
    if bar is not None:
        bar.close()
    train_seconds = time.perf_counter() - start
    model.eval()
    held = exact_match(model, task, task.held_out)
    seen = np.random.default_rng(config.seed).choice(len(task.train), 40, replace=False)
    train_scores = exact_match(model, task, [task.train[i] for i in seen])
    generator = np.random.default_rng(config.seed)
    samples = []
    for cell in task.held_out[:8]:
        for lang in LANGUAGES:
            prompt = task.prompts([cell], lang)[0]
            greedy = completion_word(complete(model, task.tokenizer, prompt, temperature=0))
            sampled = complete(model, task.tokenizer, prompt, temperature=0.8, top_k=10, top_p=0.9, generator=generator)
            samples.append(f"{prompt!r} -> greedy {greedy!r}, sampled {sampled!r} (expected {cell.completion(lang)!r})")
    metrics = {
        "config": asdict(config),
        "parameters": sum(p.size for p in model.parameters()),
        "context_length": task.length,
        "n_train_cells": len(task.train),
        "n_held_out_cells": len(task.held_out),
        "held_out_exact": {lang: held[lang]["exact"] for lang in LANGUAGES},
        "held_out_misses": {lang: held[lang]["misses"] for lang in LANGUAGES},
        "train_exact_sample": {lang: train_scores[lang]["exact"] for lang in LANGUAGES},
        "final_loss": float(np.mean(losses[-50:])),
        "train_seconds": train_seconds,
        "elapsed_seconds": time.perf_counter() - start,
    }
    return GPTResult(model, task.tokenizer, metrics, losses, samples)


def save_gpt_run(result: GPTResult, out_dir: str | os.PathLike[str], plot: bool = True) -> dict[str, str]:
    """Write the run's files into ``out_dir`` as one run (staged beside it, then moved into place): their paths."""
    with RunFolder(out_dir) as run:
        files = write_gpt_run(result, run, plot)
        run.commit()
    return files


def write_gpt_run(result: GPTResult, run: RunFolder, plot: bool = True) -> dict[str, str]:
    """Write ``metrics.json``, ``samples.txt``, ``model.safetensors`` (and ``loss.png``) into ``run.staging``.

    Returns each file's path once the run is committed.
    """
    names = {"metrics": "metrics.json", "checkpoint": "model.safetensors", "samples": "samples.txt"}
    names |= {"plot": "loss.png"} if plot else {}
    staged = {key: run.file(name)[0] for key, name in names.items()}
    staged["metrics"].write_text(json.dumps(result.metrics, indent=2, ensure_ascii=False) + "\n", "utf-8")
    staged["samples"].write_text("\n".join(result.samples) + "\n", "utf-8")
    metadata = {
        "format": CHECKPOINT_FORMAT,
        "config": json.dumps(result.metrics["config"]),
        "context_length": str(result.metrics["context_length"]),
        "held_out_exact": json.dumps(result.metrics["held_out_exact"]),
    }
    checkpoint.save(staged["checkpoint"], result.model.state_dict(), metadata)
    if plot:
        _plot_losses(result, str(staged["plot"]))
    return {key: str(run.file(name)[1]) for key, name in names.items()}


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
    fig.savefig(path, dpi=110)
    plt.close(fig)


METADATA_KEYS = ("format", "config", "context_length", "held_out_exact")  # what write_gpt_run writes


def claimed_sizes(path: str | os.PathLike[str], metadata: dict[str, str]) -> tuple[GPTConfig, int, dict[str, Any]]:
    """The configuration and context length a checkpoint's metadata claims, checked against its arrays.

    Every size that decides an array's shape (``d_model``, ``d_ff``, ``n_layers``) must be the
    size the arrays have, ``n_heads`` must divide ``d_model``, and the context length must be the
    one the corpus gives this configuration: checked before any model is built, so that a small file
    claiming ``d_model=10**9`` allocates nothing.  Returns ``(config, context_length, saved scores)``.
    """
    checked_metadata(path, metadata, METADATA_KEYS)
    values = config_from_metadata(path, metadata["config"], [f.name for f in fields(GPTConfig)])
    try:
        config = GPTConfig.from_dict(values)
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
    corpus_length = corpus_task(config).length
    check_claimed_sizes(path, {"context_length": context_length}, {"context_length": corpus_length})
    return config, context_length, saved


def evaluate_gpt_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Rebuild the model from the checkpoint's metadata and score the held-out cells again."""
    metadata = read_checkpoint_metadata(path)  # a TrainingError naming the file when it is not a checkpoint
    if metadata.get("format") != CHECKPOINT_FORMAT:
        raise CatalogError("training.gpt.not_a_checkpoint", path=os.fspath(path), found=metadata.get("format"))
    config, context_length, saved = claimed_sizes(path, metadata)
    task = corpus_task(config)
    model = build_model(config, context_length)
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
    d = GPTConfig()
    parser = command_parser("minigrad train gpt", _help("help"))
    positive = number("positive_int")
    parser.add_argument(
        "--steps", type=positive, metavar="N", default=d.steps, help=_help("help_steps", default=d.steps)
    )
    parser.add_argument(
        "--batch-size",
        type=positive,
        metavar="N",
        default=d.batch_size,
        help=_help("help_batch_size", default=d.batch_size),
    )
    parser.add_argument(
        "--lr", type=number("positive_float"), metavar="X", default=d.lr, help=_help("help_lr", default=d.lr)
    )
    parser.add_argument(
        "--warmup-steps",
        type=positive,
        metavar="N",
        default=None,
        help=_help("help_warmup_steps", default=d.warmup_steps),
    )
    parser.add_argument(
        "--seed", type=number("seed"), metavar="N", default=d.seed, help=_help("help_seed", default=d.seed)
    )
    for name in ("d_model", "n_heads", "n_layers", "d_ff"):
        flag = "--" + name.replace("_", "-")
        default = getattr(d, name)
        parser.add_argument(
            flag, type=positive, metavar="N", default=default, help=_help(f"help_{name}", default=default)
        )
    parser.add_argument(
        "--out", default="runs/gpt", metavar=text("training.metavar.folder"), help=_help("help_out", default="runs/gpt")
    )
    parser.add_argument("--quiet", action="store_true", help=_help("help_quiet"))
    parser.add_argument("--no-plot", action="store_true", help=_help("help_no_plot"))
    parser.add_argument("--eval", metavar=text("training.metavar.file"), help=_help("help_eval"))
    return parser


def _help(key: str, **fields: Any) -> str:
    return help_text("training.gpt." + key, **fields)


MISSES_SHOWN = 6  # per language, on the console; metrics.json has every miss


def misses_line(misses: Sequence[dict[str, str]], lang: str, cells: int) -> str:
    """One line naming a language's held-out misses (``"hecho" -> "hacedo"``: expected -> written), at most 6."""
    language = text(f"training.gpt.language_{lang}")
    if not misses:
        return text("training.gpt.no_misses", language=language, cells=cells)
    shown = ", ".join(f'"{miss["expected"]}" -> "{miss["got"]}"' for miss in misses[:MISSES_SHOWN])
    if len(misses) > MISSES_SHOWN:
        shown += ", " + text("training.gpt.more_misses", n=len(misses) - MISSES_SHOWN)
    return text("training.gpt.misses", language=language, n=len(misses), cells=cells, misses=shown)


def _percent(shares: dict[str, float]) -> dict[str, str]:
    return {lang: f"{shares[lang]:.1%}" for lang in LANGUAGES}


def gpt_main(argv: Sequence[str]) -> int:
    """``minigrad train gpt [options]``; run inside ``minigrad train``'s entry point (language, errors, exit codes)."""
    args = gpt_parser().parse_args(list(argv))
    require(["safetensors"], "`minigrad train gpt`")
    if args.eval:
        scores = evaluate_gpt_checkpoint(args.eval)
        same = scores["held_out_exact"] == scores["saved_held_out_exact"]
        verdict = (
            text("training.gpt.eval_same")
            if same
            else text("training.gpt.eval_differs", **_percent(scores["saved_held_out_exact"]))
        )
        print(
            text(
                "training.gpt.eval",
                path=args.eval,
                cells=scores["n"],
                verdict=verdict,
                **_percent(scores["held_out_exact"]),
            )
        )
        return 0 if same else 1
    default_warmup = GPTConfig().warmup_steps
    warmup = default_warmup if args.warmup_steps is None else args.warmup_steps
    if args.steps <= warmup:
        raise UsageError(
            text("training.gpt.warmup_too_long", steps=args.steps, warmup=warmup, suggested=max(1, args.steps // 10))
        )
    config = GPTConfig(
        steps=args.steps, batch_size=args.batch_size, lr=args.lr, warmup_steps=warmup, seed=args.seed,
        d_model=args.d_model, n_heads=args.n_heads, n_layers=args.n_layers, d_ff=args.d_ff,
    )  # fmt: skip
    plot = not args.no_plot
    if plot:
        require(["matplotlib"], "loss.png (--no-plot)")
    progress = None
    if not args.quiet and sys.stdout.isatty() and importlib.util.find_spec("tqdm") is not None:
        tqdm = importlib.import_module("tqdm").tqdm
        desc, unit, loss_word = (
            text("training.gpt.progress"),
            text("training.gpt.progress_unit"),
            text("training.gpt.progress_loss"),
        )

        class Bar(tqdm):  # type: ignore[misc, valid-type]
            def set_postfix(self, **values: Any) -> None:  # train_gpt reports loss=...
                super().set_postfix({loss_word if k == "loss" else k: v for k, v in values.items()})

        def progress(total: int) -> Any:
            return Bar(total=total, desc=desc, unit=unit)

    from .train_command import claimed_run_folder  # the command's edge, shared with `minigrad train`

    with claimed_run_folder(args.out) as run:  # checked and locked (exit 2) before any training
        print(text("training.gpt.header", layers=config.n_layers, d_model=config.d_model, steps=config.steps))
        try:
            result = train_gpt(config, progress)
        except MemoryError as error:  # NumPy's "Unable to allocate ...": a size the user chose, not a fallo
            raise TrainingError(
                "gpt.too_big",
                d_model=config.d_model,
                d_ff=config.d_ff,
                n_layers=config.n_layers,
                detail=str(error),
                memory=format_bytes(have) if (have := physical_memory()) else "?",
            ) from error
        files = write_gpt_run(result, run, plot=plot)
        run.commit()
    if run.stopped is not None:
        return run.stopped
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
    for lang in LANGUAGES:
        print(misses_line(m["held_out_misses"][lang], lang, m["n_held_out_cells"]))
    print(text("training.gpt.files", files=", ".join(files.values())))
    print(text("training.gpt.reload_hint", checkpoint=files["checkpoint"]))
    return 0
