"""Mystery mode: a random break is switched on without saying which; the learner finds it, then reveals it.

The choice is recorded in a small state file outside the package (``$MINIGRAD_MYSTERY_STATE``, else
``$XDG_CACHE_HOME/minigrad/mystery.json``, else ``~/.cache/minigrad/mystery.json``).  The file and
the environment variable hold an opaque token, never the id: :func:`break_of_token` finds the break
whose hash matches it.

Phase 19's breaks (family ``training``) are failures of a training run, found from its dashboard.  A
mystery among them comes with a procedure (:func:`training_procedure`): two short ``minigrad run``
commands under ``mystery-run``, then ``minigrad dashboard`` on each.  Between them the two runs show
each of the three failures, and correct code is healthy in both (measured, ``minigrad run`` defaults
otherwise): run ``a`` (peak lr 0.3) shows the spike of ``no-warmup`` at step 2 and the first loss of
``bad-init-scale``; run ``b`` (lr 1e-2, validation every 25 steps) shows the divergence of
``causal-mask-all-ones`` and again the first loss of ``bad-init-scale``.  The learner writes the
diagnosis down as ``reveal --guess <id>``, which scores it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..messages import text
from .core import Break, BreakError, all_breaks

TOKEN_VAR = "MINIGRAD_MYSTERY"
STATE_VAR = "MINIGRAD_MYSTERY_STATE"


def state_path() -> Path:
    explicit = os.environ.get(STATE_VAR)
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "minigrad" / "mystery.json"


def token_of(break_id: str, seed: int) -> str:
    return hashlib.sha256(f"minigrad-mystery:{seed}:{break_id}".encode()).hexdigest()[:16] + f"-{seed}"


def break_of_token(token: str) -> str:
    """The id of the break an opaque token stands for (a clear error if none)."""
    _, _, seed_text = token.rpartition("-")
    if seed_text.isdigit():
        for break_id in all_breaks():
            if token_of(break_id, int(seed_text)) == token:
                return break_id
    raise BreakError(text("lab.mystery.bad_token", var=TOKEN_VAR, token=token))


TRAINING_FAMILY = "training"
TRAINING_RUNS = (  # (run folder, `minigrad run` options): see the module docstring for what each shows
    ("a", "--steps 40 --warmup-steps 20 --lr 0.3 --d-model 32 --n-layers 1 --batch-size 8 --val-every 40"),
    ("b", "--steps 100 --warmup-steps 10 --lr 0.01 --d-model 64 --n-layers 1 --batch-size 8 --val-every 25"),
)


def training_runs(seed: int) -> list[tuple[str, list[str]]]:
    """``(run folder, minigrad run arguments)`` of the phase-19 procedure; the folders name the seed, so that a
    new mystery does not meet the runs of the last one."""
    runs = []
    for name, options in TRAINING_RUNS:
        folder = f"mystery-{seed}/{name}"
        runs.append((folder, ["minigrad", "run", "--out", folder, "--inspect", *options.split()]))
    return runs


def training_procedure(candidates: list[Break], seed: int) -> str | None:
    """The commands a mystery among training breaks is found with, or None when some candidate is not one."""
    if not candidates or any(b.family != TRAINING_FAMILY for b in candidates):
        return None
    runs = training_runs(seed)
    commands = "\n".join(f"  minigrad breaks mystery-run -- {' '.join(argv)}" for _, argv in runs)
    dashboards = "\n".join(f"  minigrad dashboard {folder}" for folder, _ in runs)
    return text("lab.mystery.training_procedure", runs=commands, dashboards=dashboards)


@dataclass(frozen=True)
class Mystery:
    token: str
    seed: int
    phase: int | None
    family: str | None
    candidates: int


def choose(candidates: list[Break], seed: int | None) -> tuple[Break, int]:
    """A break picked at random among ``candidates``; the same seed picks the same break."""
    if not candidates:
        raise BreakError(text("lab.mystery.empty"))
    used = secrets.randbelow(2**31) if seed is None else seed
    if used < 0:
        raise BreakError(f"--seed must be zero or positive, got {used}")
    return random.Random(used).choice(candidates), used


def start(candidates: list[Break], seed: int | None, phase: int | None, family: str | None) -> Mystery:
    brk, used = choose(candidates, seed)
    mystery = Mystery(token_of(brk.id, used), used, phase, family, len(candidates))
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(mystery.__dict__) + "\n", encoding="utf-8")
    return mystery


def current() -> Mystery:
    path = state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Mystery(**data)
    except FileNotFoundError:
        raise BreakError(text("lab.mystery.none_running", path=path)) from None
    except (ValueError, TypeError) as exc:
        raise BreakError(text("lab.mystery.bad_state", path=path, error=exc)) from exc


def finish() -> None:
    state_path().unlink(missing_ok=True)


def score(guess: str | None, answer: Break) -> int:
    """2 for the right break, 1 for the right family, 0 otherwise."""
    if guess == answer.id:
        return 2
    breaks = all_breaks()
    return 1 if guess in breaks and breaks[guess].family == answer.family else 0
