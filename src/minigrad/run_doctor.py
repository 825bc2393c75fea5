"""The run doctor: read a training run's log (``inspector.log.jsonl``) and name what went wrong.

TensorBoard and W&B draw panels; none of them says which failure a run shows.
:func:`diagnose` names one verdict, with its evidence and the step where it
first showed (``minigrad dashboard RUN_DIR`` prints it above the panels, and
``--json`` gives it to a program).  The rules, checked in this order:

* ``nan_after_activations``: the loss became NaN or Inf, after some layer's
  activations had grown more than ``ACTIVATION_BLOWUP`` times their first value
  (or were already non-finite); ``nan`` when no activations were logged;
* ``spike_without_warmup``: the learning rate started at its peak (no warmup)
  and, within the first ``SPIKE_WINDOW`` steps, the loss rose above
  ``SPIKE_FACTOR`` times its lowest value so far; the step is that rise;
* ``worse_than_chance``: the first train loss is above ``START_FACTOR * chance``,
  or the train loss of the last tenth of the run is above ``chance = ln V``, the
  cross-entropy of a uniform guess over the corpus' ``V`` symbols.  A model
  whose weights start small starts near the loss of a uniform guess over its
  outputs (ln 64 = 4.16 for MiniGPT.course, under 1.5 ln 37), so a first loss
  far above it is an initialisation that is too large, visible at step 1 even
  when a high learning rate later repairs it (a pre-norm model keeps its
  activations finite: no NaN); the step is then the first step, else the
  first step of the last tenth;
* ``train_val_divergence``: the train loss at the end (mean of the last tenth)
  is below ``DIVERGENCE_RATIO`` times the last validation loss, and either the
  validation loss stalled (improved by less than ``FLAT_VAL`` of its first
  value, or rose again by more than ``FLAT_VAL`` above its best) or the gap is
  wide (train below ``GAP_RATIO`` times validation).  Consistent with leakage,
  such as a causal mask that lets a position see the token it must predict:
  the loop scores validation from prefixes, which a leak cannot exploit.  The
  step is the first validation ``FLAT_VAL`` above the best so far, else the
  first step whose train loss was under ``DIVERGENCE_RATIO`` times the final
  validation loss.  Plain overfitting on a long run shows the same shape: the
  verdict says "consistent with", no more;
* ``healthy``: none of these.

The thresholds were set on measured runs: the three phase-19 breaks (their
folders under ``breaks/catalog/`` give the numbers) and healthy runs of
several seeds (``tests/test_run_doctor.py``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .messages import text
from .training.loop import LOG

ACTIVATION_BLOWUP = 100.0
SPIKE_FACTOR = 1.5
SPIKE_WINDOW = 100
START_FACTOR = 1.5
DIVERGENCE_RATIO = 0.8
GAP_RATIO = 0.6
FLAT_VAL = 0.1

Record = dict[str, Any]


def read_log(run_dir: str | os.PathLike[str]) -> list[Record]:
    """The log's records, in order; a line cut by an interruption ends the reading."""
    records = []
    path = Path(run_dir) / LOG
    if not path.exists():
        raise FileNotFoundError(text("run.error.no_log", path=str(path)))
    for line in path.read_text("utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return records


def chance_loss() -> float:
    """``ln V``: the cross-entropy of a uniform guess over the corpus tokenizer's ``V`` symbols."""
    from .data.corpus import CharTokenizer

    return math.log(CharTokenizer.from_corpus().vocab_size)


def finite(x: Any) -> bool:
    """A real number that is neither NaN nor infinite (None and strings are not)."""
    return isinstance(x, int | float) and math.isfinite(x)


def _first_rise(vals: Sequence[tuple[int, float]]) -> int | None:
    """The first validation step more than ``FLAT_VAL`` above the best validation loss before it, if any."""
    best_so_far = math.inf
    for step, value in vals:
        if value > (1 + FLAT_VAL) * best_so_far:
            return step
        best_so_far = min(best_so_far, value)
    return None


def _non_finite(records: Sequence[Record], bad_loss: Record) -> dict[str, Any]:
    first: dict[str, float] = {}
    blown: tuple[int, str, float] | None = None
    for r in records:
        for name, stats in (r.get("activations") or {}).items():
            value = stats.get("mean_abs")
            if value is None or stats.get("count", 0) == 0:
                continue
            if not finite(value):
                blown = blown or (r["step"], name, value)
                continue
            first.setdefault(name, value)
            if first[name] > 0 and value > ACTIVATION_BLOWUP * first[name] and blown is None:
                blown = (r["step"], name, value / first[name])
        if r is bad_loss:
            break
    if blown is None:
        step = bad_loss["step"]
        return {"verdict": "nan", "step": step, "evidence": text("run.doctor.evidence.nan", step=step)}
    step, layer, growth = blown
    evidence = text(
        "run.doctor.evidence.nan_after_activations",
        layer=layer,
        step=step,
        growth=f"{growth:.3g}",
        nan_step=bad_loss["step"],
    )
    return {"verdict": "nan_after_activations", "step": step, "evidence": evidence}


def _spike(records: Sequence[Record]) -> dict[str, Any] | None:
    lrs = [r["lr"] for r in records]
    if lrs[0] < 0.99 * max(lrs):  # the rate climbed: there was a warmup
        return None
    lowest = math.inf
    for r in records[:SPIKE_WINDOW]:
        if r["loss"] > SPIKE_FACTOR * lowest:
            evidence = text(
                "run.doctor.evidence.spike",
                step=r["step"],
                loss=f"{r['loss']:.3g}",
                lowest=f"{lowest:.3g}",
                lr=f"{lrs[0]:.3g}",
            )
            return {"verdict": "spike_without_warmup", "step": r["step"], "evidence": evidence}
        lowest = min(lowest, r["loss"])
    return None


def _worse_than_chance(records: Sequence[Record], tail: Sequence[Record], chance: float) -> dict[str, Any]:
    train_end = sum(r["loss"] for r in tail) / len(tail)
    start = records[0]
    if start["loss"] > START_FACTOR * chance:
        evidence = text(
            "run.doctor.evidence.bad_start",
            start=f"{start['loss']:.3g}",
            step=start["step"],
            ratio=f"{start['loss'] / chance:.3g}",
            loss=f"{train_end:.3g}",
            chance=f"{chance:.3g}",
        )
        return {"verdict": "worse_than_chance", "step": start["step"], "evidence": evidence}
    evidence = text("run.doctor.evidence.worse_than_chance", loss=f"{train_end:.3g}", chance=f"{chance:.3g}")
    return {"verdict": "worse_than_chance", "step": tail[0]["step"], "evidence": evidence}


def _divergence(records: Sequence[Record], train_end: float, baseline: float | None) -> dict[str, Any] | None:
    vals = [(r["step"], r["val_loss"]) for r in records if finite(r.get("val_loss"))]
    if len(vals) < 2:
        return None
    val_first, val_end = vals[0][1], vals[-1][1]
    best = min(v for _, v in vals)
    stalled = val_first - best < FLAT_VAL * val_first or val_end > (1 + FLAT_VAL) * best
    wide = train_end < GAP_RATIO * val_end
    if not (train_end < DIVERGENCE_RATIO * val_end and (stalled or wide)):
        return None
    turned_up = _first_rise(vals)
    shown_at = (
        turned_up
        if turned_up is not None
        else next(
            (r["step"] for r in records if finite(r["loss"]) and r["loss"] < DIVERGENCE_RATIO * val_end),
            records[-1]["step"],
        )
    )
    evidence = text(
        "run.doctor.evidence.divergence",
        train=f"{train_end:.3g}",
        val=f"{val_end:.3g}",
        val_first=f"{val_first:.3g}",
        best=f"{best:.3g}",
        baseline="-" if baseline is None else f"{baseline:.3g}",
        step=shown_at,
    )
    return {"verdict": "train_val_divergence", "step": shown_at, "evidence": evidence}


def diagnose(records: Sequence[Record], baseline: float | None = None, chance: float | None = None) -> dict[str, Any]:
    """``{"verdict", "step", "evidence"}``: the first failure the log shows (the rules: the module docstring).

    ``baseline`` is the n-gram cross-entropy (quoted in the evidence), ``chance`` that of a uniform guess
    (``ln V``, :func:`chance_loss`); without ``chance`` the worse-than-chance rule is not checked.
    """
    if not records:
        return {"verdict": "empty", "step": None, "evidence": text("run.doctor.evidence.empty")}
    bad_loss = next((r for r in records if not finite(r.get("loss"))), None)
    if bad_loss is not None:
        return _non_finite(records, bad_loss)
    spike = _spike(records)
    if spike is not None:
        return spike
    tail = records[-max(1, len(records) // 10) :]
    train_end = sum(r["loss"] for r in tail) / len(tail)
    if chance is not None and (train_end > chance or records[0]["loss"] > START_FACTOR * chance):
        return _worse_than_chance(records, tail, chance)
    divergence = _divergence(records, train_end, baseline)
    if divergence is not None:
        return divergence
    return {"verdict": "healthy", "step": None, "evidence": text("run.doctor.evidence.healthy")}


def diagnose_run(run_dir: str | os.PathLike[str], baseline: float | None = None) -> dict[str, Any]:
    """The verdict on the run in ``run_dir`` (its log), with the chance level of the corpus' tokenizer."""
    return diagnose(read_log(run_dir), baseline, chance_loss())


def verdict_line(verdict: dict[str, Any]) -> str:
    """``"<verdict> (step N): <evidence>"`` in the current language."""
    where = text("run.doctor.at_step", step=verdict["step"]) if verdict["step"] is not None else ""
    return f"{text('run.doctor.verdict.' + verdict['verdict'])}{where}: {verdict['evidence']}"
