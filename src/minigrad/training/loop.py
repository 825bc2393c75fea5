"""The phase-18 training loop as a library: a run folder you can stop at any step and resume bit for bit.

``train(config, run_dir)`` trains MiniGPT on the phase-12 corpus and keeps a
forensic record in ``run_dir``:

* ``manifest.json``: ``{seed, versions, config, git_sha, hardware}``, written once;
* ``checkpoint.safetensors``: the model, the optimizer's moments and step counts,
  the schedule's position and every random generator's state, rewritten
  atomically every ``checkpoint_every`` steps and at the end
  (:func:`minigrad.checkpoint.save`: temporary file, fsync, rename);
* ``inspector.log.jsonl``: one JSON object per logged step (schema below).

Two commands run this loop, each with its preset of :class:`LoopConfig` and the
same options (:func:`add_run_options`): ``minigrad run`` (the defaults below, the
phase-18 course: one cell per line) and ``minigrad train gpt`` (``TRAIN_GPT`` in
:mod:`.gpt`: paradigm lines, then the exact-match evaluation).  Each takes
``--out RUN_DIR`` (a new or empty folder, locked while the command runs) or
``--resume RUN_DIR``, ``--inspect`` (an inspected run ends with ``dashboard.html``,
:mod:`minigrad.dashboard`) and ``--mlflow`` (:mod:`.tracking`).  Ctrl-C prints one
line naming the last checkpoint and exits with status 130 (SIGTERM: 143).
``resume(run_dir)`` rebuilds the run from its manifest and checkpoint and goes
on: the weights at the end are bit-identical to those of a run that never
stopped (``tests/test_loop_resume.py`` stops a real run with SIGINT).

One step, on a batch ``(input, target, loss_mask, attn_pad_mask)``:

* ``loss = sum_i m_i * CE(logits_i, target_i) / sum_i m_i`` over every token
  position ``i`` (the token mean; ``m`` is the loss mask, 0 on padding);
* backward, then global L2 clipping: all gradients scaled by
  ``min(1, clip / ||g||)``, ``||g||`` over every parameter at once (logged
  before clipping);
* AdamW (betas 0.9/0.95, eps 1e-8, weight decay 0.1 on matrices only: no
  decay on biases and norm scales, the 1-D parameters);
* learning rate: linear warmup to ``lr`` over ``warmup_steps``, then cosine
  decay to ``min_lr`` at ``steps``.

Validation (every ``val_every`` steps) scores each held-out position from a
forward pass over its prefix alone, so a leaking attention mask cannot make it
look good (see :meth:`Run.validate`).

Log schema ``minigrad.run.log/2`` (one line per logged step)::

    {"schema": "minigrad.run.log/2", "step": int (1-based, after the update),
     "loss": float, "lr": float (the rate this step used),
     "grad_norm": float (global L2 norm before clipping),
     "val_loss": float | null, "val_loss_regular": float | null, "val_loss_irregular": float | null,
     "activations": {module name: {count, mean, std, max, mean_abs, l2}}   (with inspect only),
     "gradients": {param name: {count, mean, std, max, mean_abs, l2, weight_l2, grad_to_weight}}  (inspect only),
     "dead_units": {ReLU/GELU module name: fraction of its units <= 0 at every position}   (inspect only),
     "attention_entropy": {attention module name: [mean entropy in nats, one per head]}   (inspect only),
     "spectral_norms": {matrix name: largest singular value}   (inspect only, on validation steps)}

NaN and Inf are written as JSON's ``NaN``/``Infinity`` (Python's json reads them back).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple, Protocol, cast

import numpy as np

from .. import __version__, checkpoint, nn
from ..commandline import EXIT_INTERRUPTED, UsageError, command_parser, help_text, number
from ..data.corpus import (
    LANGUAGES,
    Cell,
    CharTokenizer,
    encode_lines,
    held_out_split,
    paradigm_groups,
    paradigm_line,
)
from ..data.verbs import IRREGULAR_VERBS
from ..engine import no_grad
from ..inspector import Inspector, spectral_norm
from ..messages import text
from ..nn import init
from ..ops.nn import cross_entropy
from ..optim import AdamW
from ..optim.clip import clip_grad_norm_
from ..optim.lr_scheduler import WarmupCosine
from ..tensor import Array, Tensor
from .blas import single_blas_thread
from .runfolder import RUN_FILES, Terminated, checked_out_dir, sigterm_as_interrupt
from .runfolder import _lock_file as lock_file
from .texts import TrainingError

LOG_SCHEMA = "minigrad.run.log/2"  # /2: dead_units and attention_entropy (the Inspector's)
CHECKPOINT_FORMAT = "minigrad-run-checkpoint/1"
# --inspect watches the model's parts down to blocks.0.attn / blocks.0.mlp (not the layers inside them)
INSPECT_DEPTH = 2
MANIFEST, CHECKPOINT, LOG = "manifest.json", "checkpoint.safetensors", "inspector.log.jsonl"
EXIT_TERMINATED = 143  # 128 + SIGTERM, as shells report it
VALIDATION_KEYS = ("val_loss", "val_loss_regular", "val_loss_irregular")


@dataclass(frozen=True)
class LoopConfig:
    """Everything that decides a run's numbers."""

    steps: int = 600
    batch_size: int = 16
    lr: float = 3e-4
    min_lr: float = 3e-5
    warmup_steps: int = 60
    weight_decay: float = 0.1
    clip: float = 1.0
    seed: int = 0
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 256
    held_out_per_verb: int = 2
    checkpoint_every: int = 50
    val_every: int = 25
    inspect: bool = False
    # The training lines.  "cells": one corpus cell per line ("eat, perfect: he has eaten"), the phase-18 course.
    # "paradigms": the training cells of one verb and tense on one line, in a random order of persons, with
    # the shares below of headless, subset and repeated-person lines (see draw_paradigm_lines): what
    # `minigrad train gpt` trains on, so that held-out cells can be completed by copying (training/gpt.py).
    lines: str = "cells"
    headless: float = 0.0
    subsets: float = 0.0
    repeats: float = 0.0
    beta2: float = 0.95
    # The first step's share of lr in the linear warmup; None: 1 / warmup_steps.
    warmup_start_factor: float | None = None
    # Token embeddings drawn again from N(0, embedding_std^2) (generator seed + 2); None: the course's 0.02.
    embedding_std: float | None = None

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "warmup_steps", "d_model", "n_heads", "n_layers", "d_ff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"training loop: {name} must be a positive integer, got {value!r}")
        for name in ("checkpoint_every", "val_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"training loop: {name} must be a positive integer, got {value!r}")
        if self.steps <= self.warmup_steps:
            raise ValueError(
                f"training loop: steps ({self.steps}) must be larger than warmup_steps ({self.warmup_steps})"
            )
        if not 0 <= self.min_lr <= self.lr or not self.lr > 0 or self.clip <= 0 or self.weight_decay < 0:
            raise ValueError(
                f"training loop: need 0 <= min_lr <= lr, lr > 0, clip > 0, weight_decay >= 0; got "
                f"min_lr={self.min_lr}, lr={self.lr}, clip={self.clip}, weight_decay={self.weight_decay}"
            )
        if self.lines not in LINES:
            raise ValueError(f"training loop: lines must be one of {', '.join(LINES)}, got {self.lines!r}")
        shares = (self.headless, self.subsets, self.repeats)
        if not all(0 <= share <= 1 for share in shares) or self.subsets + self.repeats > 1:
            raise ValueError(
                f"training loop: headless, subsets, repeats must be in [0, 1] and subsets + repeats <= 1, got {shares}"
            )
        if self.lines == "cells" and any(shares):
            raise ValueError(f"training loop: headless, subsets and repeats shape paradigm lines, got {shares}")
        if not 0 < self.beta2 < 1:
            raise ValueError(f"training loop: beta2 must be in (0, 1), got {self.beta2}")
        if self.warmup_start_factor is not None and not 0 < self.warmup_start_factor <= 1:
            raise ValueError(f"training loop: warmup_start_factor must be in (0, 1], got {self.warmup_start_factor}")
        if self.embedding_std is not None and not self.embedding_std > 0:
            raise ValueError(f"training loop: embedding_std must be > 0, got {self.embedding_std}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LoopConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


# --------------------------------------------------------------------------- data

LINES = ("cells", "paradigms")


@dataclass(frozen=True)
class VerbExample:
    """One corpus cell as a training example, both languages side by side."""

    id: int
    en: str
    es: str
    verb: str
    tense: str
    person: str
    is_regular: bool

    @classmethod
    def of(cls, index: int, cell: Cell) -> VerbExample:
        en, es = cell.line("en"), cell.line("es")
        return cls(index, en, es, cell.verb, cell.tense, cell.person, cell.verb not in IRREGULAR_VERBS)


class Batch(NamedTuple):
    """``input`` and ``target`` ``(B, L)`` ids (target = input shifted by one), ``loss_mask`` ``(B, L)`` 0/1
    (0 where the target is padding), ``attn_pad_mask`` ``(B, 1, L, L)`` True where query i may attend to key j
    (causal, and j not padding)."""

    input: Array
    target: Array
    loss_mask: Array
    attn_pad_mask: Array

    def key_padding_mask(self) -> Array:
        """``(B, L)`` True on padded keys, MiniGPT's argument: the last query row of ``attn_pad_mask``, negated
        (that row is causal for every key, so only padding masks it)."""
        return ~self.attn_pad_mask[:, 0, -1, :]


def make_batch(lines: Sequence[str], tokenizer: CharTokenizer, dtype: Any) -> Batch:
    """Encode ``"\\n" + line + "\\n"`` right-padded to the longest line, and the two masks."""
    ids = encode_lines(lines, tokenizer, max(len(line) for line in lines) + 2)
    input_, target = ids[:, :-1], ids[:, 1:]
    length = input_.shape[1]
    causal = np.tril(np.ones((length, length), dtype=bool))
    keys = input_ != tokenizer.pad_id
    attn = causal[None, None, :, :] & keys[:, None, None, :]
    loss_mask = (target != tokenizer.pad_id).astype(dtype)
    return Batch(input_, target, loss_mask, attn)


def examples(config: LoopConfig) -> tuple[list[VerbExample], list[VerbExample]]:
    """``(train, val)``: the held-out split of :func:`minigrad.data.corpus.held_out_split`, as examples.

    With ``lines="paradigms"`` an example's lines are the ones its cell is seen in: a training cell's is the
    paradigm line of its verb and tense (its training cells in the corpus' order), a held-out cell's is that
    line with the held-out cell last, the line whose end ``minigrad train gpt`` asks the model to complete.
    """
    train, held_out = held_out_split(config.held_out_per_verb, config.seed)
    if config.lines == "cells":
        return [VerbExample.of(i, c) for i, c in enumerate(train)], [
            VerbExample.of(i, c) for i, c in enumerate(held_out)
        ]
    groups = {(g[0].verb, g[0].tense): g for g in paradigm_groups(train)}

    def in_context(index: int, cell: Cell, group: Sequence[Cell]) -> VerbExample:
        en, es = paradigm_line(group, "en"), paradigm_line(group, "es")
        return VerbExample(index, en, es, cell.verb, cell.tense, cell.person, cell.verb not in IRREGULAR_VERBS)

    return [in_context(i, c, groups[c.verb, c.tense]) for i, c in enumerate(train)], [
        in_context(i, c, [*groups.get((c.verb, c.tense), []), c]) for i, c in enumerate(held_out)
    ]


def draw_paradigm_lines(
    rng: np.random.Generator, groups: Sequence[Sequence[Cell]], size: int, config: LoopConfig
) -> list[str]:
    """``size`` paradigm lines: random groups, languages and orders of persons.

    A share ``config.subsets`` of the lines keeps a random non-empty subset of the persons, a share
    ``config.repeats`` draws one person more than the group holds, with replacement (the line repeats a
    phrase, which only copying predicts), and a share ``config.headless`` drops the "verb, tense: " header
    (the line then starts at the first person, which can only be recalled by copying it later).
    """
    lines = []
    for g in rng.integers(0, len(groups), size):
        group = groups[g]
        order = rng.permutation(len(group))
        draw = rng.random()
        if draw < config.subsets:
            order = order[: int(rng.integers(1, len(group) + 1))]
        elif draw < config.subsets + config.repeats:
            order = rng.integers(0, len(group), len(group) + 1)
        line = paradigm_line([group[i] for i in order], LANGUAGES[int(rng.integers(len(LANGUAGES)))])
        lines.append(line.split(": ", 1)[1] if rng.random() < config.headless else line)
    return lines


def context_length(config: LoopConfig) -> int:
    """The model's context: the longest line it may see, plus its first newline (the input drops the last one).

    The longest line is the longest example, or with ``lines="paradigms"`` a line that repeats a group's
    longest phrase (see :func:`draw_paradigm_lines`) when that is longer.
    """
    train, val = examples(config)
    longest = max(len(line) for e in train + val for line in (e.en, e.es))
    if config.lines == "paradigms":
        train_cells, _ = held_out_split(config.held_out_per_verb, config.seed)
        for group in paradigm_groups(train_cells):
            for lang in LANGUAGES:
                phrase = max(group, key=lambda c: len(c.phrase(lang)))
                longest = max(longest, len(paradigm_line([phrase] * (len(group) + 1), lang)))
    return longest + 1


def build_model(config: LoopConfig, context: int) -> nn.MiniGPT:
    """The course's MiniGPT in float32, seeded with ``config.seed`` (token embeddings see ``embedding_std``)."""
    model = nn.MiniGPT.course(
        d_model=config.d_model,
        n_heads=config.n_heads,
        n_layers=config.n_layers,
        d_ff=config.d_ff,
        context_length=context,
        dtype=np.float32,
        generator=np.random.default_rng(config.seed),
    )
    if config.embedding_std is not None:
        # Next to the sinusoidal table (amplitude 1) a 0.02 embedding carries little token identity.
        generator = np.random.default_rng(config.seed + 2)
        init.normal_(model.tok_emb.weight, 0.0, config.embedding_std, generator=generator)
    return model


def masked_token_mean(logits: Tensor, target: Array, loss_mask: Array) -> Tensor:
    """``sum(mask * CE) / sum(mask)`` over every position: each real token counts once, padding not at all."""
    n, t, v = logits.shape
    per_token = cross_entropy(logits.reshape(n * t, v), target.reshape(n * t), reduction="none")
    return (per_token * Tensor(loss_mask.reshape(n * t))).sum() / float(loss_mask.sum())


# --------------------------------------------------------------------------- the run


class RunInterruptedError(Exception):
    """Ctrl-C (SIGINT) or SIGTERM stopped a run; ``checkpoint`` is the last one written (None before the first).

    ``status`` is the exit status a shell reports for the signal: 130 for Ctrl-C, 143 for SIGTERM.
    """

    def __init__(self, step: int, checkpoint: Path | None, saved_step: int, terminated: bool = False) -> None:
        super().__init__(step, checkpoint, saved_step)
        self.step, self.checkpoint, self.saved_step = step, checkpoint, saved_step
        self.status = EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


class Run:
    """A model, its optimizer and schedule, its data and its generators: everything a checkpoint holds."""

    def __init__(self, config: LoopConfig, run_dir: Path) -> None:
        self.config, self.run_dir = config, run_dir
        self.tokenizer = CharTokenizer.from_corpus()
        self.train_examples, self.val_examples = examples(config)
        self.train_cells, self.held_out_cells = held_out_split(config.held_out_per_verb, config.seed)
        self.groups = paradigm_groups(self.train_cells)
        self.model = build_model(config, context_length(config))
        named = list(self.model.named_parameters())
        decay = [p for _, p in named if p.ndim >= 2]
        no_decay = [p for _, p in named if p.ndim < 2]  # biases and norm scales
        self.optimizer = AdamW(
            [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=config.lr,
            betas=(0.9, config.beta2),
            eps=1e-8,
        )
        self.scheduler = WarmupCosine(
            self.optimizer,
            config.warmup_steps,
            config.steps,
            start_factor=config.warmup_start_factor or 1 / config.warmup_steps,
            eta_min=config.min_lr,
        )
        self.rng = np.random.default_rng(config.seed + 1)  # batches: example and language draws
        self.step = 0

    # ---------------------------------------------------------------- one step

    def next_batch(self) -> Batch:
        if self.config.lines == "paradigms":
            lines = draw_paradigm_lines(self.rng, self.groups, self.config.batch_size, self.config)
            return make_batch(lines, self.tokenizer, np.float32)
        picks = self.rng.integers(0, len(self.train_examples), self.config.batch_size)
        langs = self.rng.integers(0, len(LANGUAGES), self.config.batch_size)
        lines = [getattr(self.train_examples[i], LANGUAGES[lang]) for i, lang in zip(picks, langs)]
        return make_batch(lines, self.tokenizer, np.float32)

    def train_step(self) -> dict[str, float]:
        batch = self.next_batch()
        lr = self.optimizer.param_groups[0]["lr"]
        self.optimizer.zero_grad()
        logits = self.model(batch.input, key_padding_mask=batch.key_padding_mask())
        loss = masked_token_mean(logits, batch.target, batch.loss_mask)
        loss.backward()
        norm = clip_grad_norm_(self.model.parameters(), self.config.clip)
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return {"loss": float(loss.item()), "lr": float(lr), "grad_norm": float(norm.item())}

    def validate(self) -> dict[str, float]:
        """Token-mean loss on the held-out lines (both languages), overall and for regular and irregular verbs.

        Scored position by position from the prefix alone (see ``_validate``): the same number as the
        teacher-forced loss for a model whose causal mask is right, and an honest one when it is not.
        """
        with no_grad():
            return self._validate()

    def _validate(self) -> dict[str, float]:
        # Each position is scored from a forward pass over its prefix alone, as generation sees it: the future
        # is not in the input, so a model whose mask leaks (and that learned to read the next token) cannot
        # score well here, while its teacher-forced train loss falls: the divergence the run doctor names.
        lines = [line for e in self.val_examples for line in (e.en, e.es)]
        regular = np.repeat([e.is_regular for e in self.val_examples], 2)
        batch = make_batch(lines, self.tokenizer, np.float32)
        padding = batch.key_padding_mask()
        per_line = np.zeros(len(lines))
        for end in range(1, batch.input.shape[1] + 1):
            live = np.flatnonzero(batch.loss_mask[:, end - 1])  # the lines not yet ended (the rest is padding)
            logits = self.model(batch.input[live, :end], key_padding_mask=padding[live, :end])
            per_line[live] += cross_entropy(logits[:, -1], batch.target[live, end - 1], reduction="none").data
        counts = batch.loss_mask.sum(axis=1)
        result = {}
        for name, rows in (("val_loss", slice(None)), ("val_loss_regular", regular), ("val_loss_irregular", ~regular)):
            total = float(counts[rows].sum())
            result[name] = float(per_line[rows].sum()) / total if total else float("nan")
        return result

    # ---------------------------------------------------------------- checkpoints

    def save(self) -> Path:
        """Write everything the next step depends on, atomically, to ``run_dir/checkpoint.safetensors``."""
        arrays: dict[str, Array] = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        optimizer_state = self.optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for index, buffers in optimizer_state["state"].items():
            for key, value in buffers.items():
                if isinstance(value, np.ndarray):
                    arrays[f"optimizer.{index}.{key}"] = value
                else:
                    scalars.setdefault(str(index), {})[key] = value
        metadata = {
            "format": CHECKPOINT_FORMAT,
            "step": str(self.step),
            "config": json.dumps(asdict(self.config)),
            "optimizer_scalars": json.dumps(scalars),
            "param_groups": json.dumps(optimizer_state["param_groups"]),
            "scheduler": json.dumps(self.scheduler.state_dict()),
            "rng": json.dumps(self.rng_states()),
        }
        path = self.run_dir / CHECKPOINT
        checkpoint.save(path, arrays, metadata)
        return path

    def rng_states(self) -> dict[str, Any]:
        """Every generator a step may draw from: the batch generator, each module's own, NumPy's and Python's."""
        legacy = cast(tuple[Any, ...], np.random.get_state(legacy=True))
        return {
            "batches": self.rng.bit_generator.state,
            "modules": {name: g.bit_generator.state for name, g in self._module_generators().items()},
            "numpy_global": [legacy[0], legacy[1].tolist(), *legacy[2:]],
            "python": [random.getstate()[0], list(random.getstate()[1]), random.getstate()[2]],
        }

    def _module_generators(self) -> dict[str, np.random.Generator]:
        return {
            name: module.generator
            for name, module in self.model.named_modules()
            if isinstance(getattr(module, "generator", None), np.random.Generator)
        }

    def load(self, path: Path) -> None:
        """Restore the state :meth:`save` wrote (the model and optimizer must be built from the same config)."""
        checkpoint.require_metadata(path, checkpoint.load_metadata(path), {"format": CHECKPOINT_FORMAT})
        metadata = checkpoint.load_metadata(path)
        arrays = checkpoint.load(path)
        self.model.load_state_dict({k[len("model.") :]: v for k, v in arrays.items() if k.startswith("model.")})
        state: dict[int, dict[str, Any]] = {}
        for key, value in arrays.items():
            if key.startswith("optimizer."):
                _, index, name = key.split(".", 2)
                state.setdefault(int(index), {})[name] = value
        for index, values in json.loads(metadata["optimizer_scalars"]).items():
            state.setdefault(int(index), {}).update(values)
        self.optimizer.load_state_dict({"state": state, "param_groups": json.loads(metadata["param_groups"])})
        self.scheduler.load_state_dict(json.loads(metadata["scheduler"]))
        rng = json.loads(metadata["rng"])
        self.rng.bit_generator.state = rng["batches"]
        for name, generator in self._module_generators().items():
            generator.bit_generator.state = rng["modules"][name]
        kind, keys, *rest = rng["numpy_global"]
        np.random.set_state((kind, np.array(keys, dtype=np.uint32), *rest))
        version, internal, gauss = rng["python"]
        random.setstate((version, tuple(internal), gauss))
        self.step = int(metadata["step"])


# --------------------------------------------------------------------------- manifest and log


def _git_sha() -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None if found.returncode == 0 else None


def manifest(config: LoopConfig) -> dict[str, Any]:
    """``{seed, versions, config, git_sha, hardware}`` of a run started here and now."""
    return {
        "seed": config.seed,
        "versions": {"minigrad": __version__, "numpy": np.__version__, "python": platform.python_version()},
        "config": asdict(config),
        "git_sha": _git_sha(),
        "hardware": {
            "machine": platform.machine(),
            "processor": platform.processor(),
            "system": platform.system(),
            "cpu_count": os.cpu_count(),
        },
        "log_schema": LOG_SCHEMA,
    }


def _kept_log_lines(path: Path, up_to_step: int) -> list[str]:
    """The log's whole lines of steps up to ``up_to_step``: a resumed run rewrites the steps after its checkpoint
    (and a line cut by the interruption is dropped)."""
    if not path.exists():
        return []
    kept = []
    for line in path.read_text("utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            break
        if record.get("step", up_to_step + 1) > up_to_step:
            break
        kept.append(line + "\n")
    return kept


# --------------------------------------------------------------------------- train and resume


def train(config: LoopConfig, run_dir: str | os.PathLike[str], progress: Progress | None = None) -> Run:
    """Start a run in ``run_dir`` (created; it must not hold a run already) and train it to the end.

    The model is built before anything is written: a size that does not fit in memory leaves no run behind.
    """
    folder = Path(run_dir)
    if (folder / MANIFEST).exists():
        raise FileExistsError(text("run.error.exists", path=str(folder)))
    run = Run(config, folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps(manifest(config), indent=2) + "\n", "utf-8")
    (folder / LOG).write_text("", "utf-8")
    return _continue(run, progress)


def resume(run_dir: str | os.PathLike[str], progress: Progress | None = None) -> Run:
    """Go on with the run in ``run_dir`` from its last checkpoint (from step 0 when it has none yet)."""
    folder = Path(run_dir)
    if not (folder / MANIFEST).exists():
        raise FileNotFoundError(text("run.error.no_run", path=str(folder)))
    config = LoopConfig.from_dict(json.loads((folder / MANIFEST).read_text("utf-8"))["config"])
    run = Run(config, folder)
    if (folder / CHECKPOINT).exists():
        run.load(folder / CHECKPOINT)
    log = folder / LOG
    log.write_text("".join(_kept_log_lines(log, run.step)), "utf-8")
    return _continue(run, progress)


def _continue(run: Run, progress: Progress | None) -> Run:
    # One BLAS thread for every run, the lab's case scripts included (not only the commands): these matrices are
    # small, and on a loaded 2-core machine OpenBLAS's threads wait on each other (see training/blas.py).
    with single_blas_thread():
        return _train_to_the_end(run, progress)


def _train_to_the_end(run: Run, progress: Progress | None) -> Run:
    config = run.config
    start = getattr(progress, "start", None)  # an Observer
    if start is not None:
        start(run)
    inspector = Inspector(run.model).register_all(max_depth=INSPECT_DEPTH) if config.inspect else None
    saved: Path | None = run.run_dir / CHECKPOINT if (run.run_dir / CHECKPOINT).exists() else None
    saved_step = run.step if saved is not None else 0
    try:
        with open(run.run_dir / LOG, "a", encoding="utf-8") as log:
            while run.step < config.steps:
                numbers = run.train_step()
                # the step's statistics, taken before validation's forward passes could add to them
                statistics = inspector.snapshot() if inspector is not None else {}
                due = run.step % config.val_every == 0 or run.step == config.steps
                scores: dict[str, Any] = run.validate() if due else dict.fromkeys(VALIDATION_KEYS)
                record: dict[str, Any] = {"schema": LOG_SCHEMA, "step": run.step, **numbers, **scores, **statistics}
                if inspector is not None:
                    inspector.reset()  # drops what validation added
                    if due:
                        record["spectral_norms"] = {
                            name: spectral_norm(p.data) for name, p in run.model.named_parameters() if p.ndim == 2
                        }
                log.write(json.dumps(record) + "\n")
                log.flush()
                if run.step % config.checkpoint_every == 0 or run.step == config.steps:
                    saved, saved_step = run.save(), run.step
                if progress is not None:
                    progress(run.step, record)
    except KeyboardInterrupt as signal_:
        raise RunInterruptedError(run.step, saved, saved_step, isinstance(signal_, Terminated)) from None
    finally:
        if inspector is not None:
            inspector.remove_all()
    return run


def weights_digest(run_dir: str | os.PathLike[str]) -> str:
    """SHA-256 over the model's arrays in the run's checkpoint (names, dtypes, shapes and bytes, sorted by name)."""
    digest = hashlib.sha256()
    arrays = checkpoint.load(Path(run_dir) / CHECKPOINT)
    for name in sorted(k for k in arrays if k.startswith("model.")):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- the commands (run, train gpt)

# The options both commands take, each a LoopConfig field; a command's preset gives the defaults.
COMMAND_OPTIONS = (
    "steps",
    "batch_size",
    "lr",
    "warmup_steps",
    "seed",
    "d_model",
    "n_heads",
    "n_layers",
    "d_ff",
    "checkpoint_every",
    "val_every",
)


def add_run_options(parser: argparse.ArgumentParser, defaults: LoopConfig, out_default: str | None) -> None:
    """``--out``/``--resume``, the :data:`COMMAND_OPTIONS` (defaults from ``defaults``), ``--inspect``, ``--mlflow``.

    Every option's default is None in ``args``: what the user did not pass comes from the preset (see
    :func:`config_from_args`), and ``--resume`` can tell that no option was passed with it.
    """
    where = parser.add_mutually_exclusive_group(required=out_default is None)
    out_help = (
        help_text("run.help.out") if out_default is None else help_text("run.help.out_default", default=out_default)
    )
    folder = text("training.metavar.folder")
    where.add_argument("--out", metavar=folder, default=out_default, help=out_help)
    where.add_argument("--resume", metavar=folder, help=help_text("run.help.resume"))
    for name in COMMAND_OPTIONS:
        kind = {"lr": "positive_float", "seed": "seed"}.get(name, "positive_int")
        parser.add_argument(
            "--" + name.replace("_", "-"),
            type=number(kind),
            metavar="X" if kind == "positive_float" else "N",
            help=help_text(f"run.option.{name}", default=getattr(defaults, name)),
        )
    parser.add_argument("--inspect", action="store_true", help=help_text("run.help.inspect"))
    parser.add_argument("--mlflow", action="store_true", help=help_text("run.help.mlflow"))


def config_from_args(args: argparse.Namespace, defaults: LoopConfig) -> LoopConfig:
    """The preset ``defaults`` with the options the user passed.

    Without ``--warmup-steps`` the warmup is the preset's, or a tenth of ``--steps`` when that is shorter,
    so that ``--steps 60`` alone trains (6 warmup steps).
    """
    chosen: dict[str, Any] = {name: getattr(args, name) for name in COMMAND_OPTIONS if getattr(args, name) is not None}
    steps = chosen.get("steps", defaults.steps)
    if "warmup_steps" not in chosen:
        chosen["warmup_steps"] = max(1, min(defaults.warmup_steps, steps // 10))
    elif steps <= chosen["warmup_steps"]:
        suggested = max(1, steps // 10)
        raise UsageError(
            text("training.gpt.warmup_too_long", steps=steps, warmup=chosen["warmup_steps"], suggested=suggested)
        )
    chosen["inspect"] = bool(args.inspect) or defaults.inspect
    try:
        return replace(defaults, **chosen)
    except ValueError as error:
        raise UsageError(str(error)) from None


@contextlib.contextmanager
def locked_run_dir(run_dir: str, resuming: bool) -> Iterator[Path]:
    """``run_dir`` checked before anything is trained, and locked while the command runs.

    The checks of ``--out`` that ``minigrad train`` makes (not empty, not the current folder or one above
    it, not under a file), then: a new run needs a new or empty folder (a folder holding a run is resumed,
    never overwritten).  The lock is ``minigrad train``'s: an exclusive ``flock`` on ``.NAME.lock`` beside
    the folder, so that a second command into the same folder fails at once, naming the first.
    """
    folder = checked_out_dir(run_dir)
    for ancestor in (folder, *folder.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                reason = TrainingError("error.out_is_file", path=ancestor)
                raise TrainingError("error.out_unwritable", path=run_dir, reason=reason)
            break
    if resuming and not (folder / MANIFEST).exists():
        raise FileNotFoundError(text("run.error.no_run", path=run_dir))
    if not resuming and folder.is_dir():
        if (folder / MANIFEST).exists():
            raise FileExistsError(text("run.error.exists", path=run_dir))
        present = sorted(p.name for p in folder.iterdir())
        if present:
            files = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
            known = all(name in RUN_FILES | {CHECKPOINT, LOG, "dashboard.html", "mlruns"} for name in present)
            raise UsageError(text("run.error.not_empty" if known else "run.error.foreign", path=run_dir, files=files))
    lock = folder.parent / f".{folder.name}.lock"
    descriptor = None
    if sys.platform != "win32":
        folder.parent.mkdir(parents=True, exist_ok=True)
        descriptor = lock_file(lock, run_dir)
    try:
        yield Path(run_dir)
    finally:
        if descriptor is not None:
            lock.unlink(missing_ok=True)
            os.close(descriptor)


Progress = Callable[[int, dict[str, Any]], None]  # called after every step with the step and its log record


class Observer(Protocol):
    """A :data:`Progress` that also wants ``start(run)`` once, before the first step (a command's console)."""

    def start(self, run: Run) -> None: ...

    def __call__(self, step: int, record: dict[str, Any]) -> None: ...


def chosen_config(args: argparse.Namespace, defaults: LoopConfig) -> LoopConfig | None:
    """The configuration of a new run (:func:`config_from_args`), or None for ``--resume``.

    ``--resume`` takes everything from the run's manifest: an option passed with it is a usage error
    rather than silently ignored.  Called before the run folder is touched.
    """
    if args.resume is None:
        return config_from_args(args, defaults)
    passed = [f"--{name.replace('_', '-')}" for name in COMMAND_OPTIONS if getattr(args, name) is not None]
    passed += ["--inspect"] if args.inspect else []
    if passed:
        raise UsageError(text("run.error.resume_options", options=", ".join(passed), path=args.resume))
    return None


def start_or_resume(
    args: argparse.Namespace,
    config: LoopConfig | None,
    observer: Observer | None = None,
    start: Callable[[LoopConfig, str, Progress | None], Run] | None = None,
) -> Run:
    """Train a new run of ``config`` in ``args.out``, or the run ``args.resume``, to its end, on one BLAS thread.

    ``start`` starts a new run (:func:`train` unless a command gives its own).  Raises
    :class:`RunInterruptedError` on Ctrl-C or SIGTERM.
    """
    with single_blas_thread(), sigterm_as_interrupt():
        if config is None:
            return resume(args.resume, observer)
        return (start or train)(config, args.out, observer)


def interrupted_line(stop: RunInterruptedError, run_dir: str, command: str) -> str:
    """The one line Ctrl-C prints: where the last checkpoint is, and how to go on."""
    if stop.checkpoint is None:
        return text("run.interrupted_before_checkpoint", step=stop.step, run_dir=run_dir, command=command)
    return text(
        "run.interrupted", step=stop.step, saved=stop.saved_step, path=stop.checkpoint, run_dir=run_dir, command=command
    )


def write_reports(run: Run, mlflow: bool, extra_artifacts: Sequence[str] = ()) -> None:
    """After a run: its dashboard (an inspected run) and its MLflow record (``--mlflow``), each said in one line."""
    if run.config.inspect:  # imported here: dashboard imports this module
        from ..dashboard import write_dashboard
        from ..run_doctor import verdict_line

        target, verdict = write_dashboard(run.run_dir)
        print(verdict_line(verdict))
        print(text("run.dashboard.written", path=str(target)))
    if mlflow:
        from .tracking import log_run

        store = log_run(run.run_dir, extra_artifacts)
        print(text("run.mlflow.logged", store=str(store)))


def run_parser() -> argparse.ArgumentParser:
    parser = command_parser("minigrad run", help_text("run.description"))
    add_run_options(parser, LoopConfig(), out_default=None)
    return parser


def run_main(argv: Sequence[str]) -> int:
    """``minigrad run --out RUN_DIR [...]`` or ``minigrad run --resume RUN_DIR``: the phase-18 preset."""
    args = run_parser().parse_args(argv)
    if args.mlflow:
        from .tracking import require_mlflow

        require_mlflow()
    config = chosen_config(args, LoopConfig())
    folder = args.resume if args.resume is not None else args.out
    with locked_run_dir(folder, resuming=config is None):
        try:
            run = start_or_resume(args, config)
        except RunInterruptedError as stop:
            print(interrupted_line(stop, folder, "minigrad run"), file=sys.stderr)
            return stop.status
        print(text("run.done", steps=run.step, path=run.run_dir / CHECKPOINT, digest=weights_digest(run.run_dir)[:16]))
        write_reports(run, args.mlflow)
    return 0
