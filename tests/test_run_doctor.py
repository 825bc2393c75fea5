"""The run doctor (``minigrad.run_doctor``): each engineered failure named at the step it first shows, and no
alarm on healthy runs of several seeds.

The synthetic logs state their failure by construction (the expected step is computed from the rule's own
words, by hand, in each test).  The real runs are the lab's: the three phase-19 breaks run their case script
with the break on (``breaks.inject``), and correct code runs the same configurations with other seeds.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import runpy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from minigrad import breaks, run_doctor
from minigrad.training import loop

LN_37 = math.log(37)  # the corpus tokenizer's V (the doctor's chance level); MiniGPT.course has 64 outputs


def _records(loss: list[float], lr: list[float], val: dict[int, float] | None = None) -> list[dict[str, Any]]:
    val = val or {}
    return [
        {"schema": loop.LOG_SCHEMA, "step": i + 1, "loss": x, "lr": lr[i], "grad_norm": 1.0, "val_loss": val.get(i + 1)}
        for i, x in enumerate(loss)
    ]


def _warmup(n: int, peak: float = 3e-3, steps: int = 10) -> list[float]:
    return [peak * min(1.0, (i + 1) / steps) for i in range(n)]


def test_chance_is_the_log_of_the_corpus_vocabulary() -> None:
    from minigrad.data.corpus import CharTokenizer

    assert CharTokenizer.from_corpus().vocab_size == 37
    assert run_doctor.chance_loss() == pytest.approx(LN_37, rel=1e-15)


def test_a_first_loss_far_above_chance_is_a_too_large_init_named_at_step_1() -> None:
    loss = [25.5 - 0.2 * i for i in range(30)]  # the shape of bad-init-scale's run: 25.5 falling to 19.7
    verdict = run_doctor.diagnose(_records(loss, _warmup(30)), chance=LN_37)
    assert verdict["verdict"] == "worse_than_chance" and verdict["step"] == 1
    assert "25.5" in verdict["evidence"]
    # started near chance (ln 64 = 4.16 < 1.5 ln 37) but never learned: named at the first step of the last tenth
    stuck = [4.16] * 30
    verdict = run_doctor.diagnose(_records(stuck, _warmup(30)), chance=LN_37)
    assert verdict["verdict"] == "worse_than_chance" and verdict["step"] == 28
    # started high and repaired by a high learning rate: still named at step 1 (it is the initialisation)
    repaired = [25.5 * 0.85**i + 2.5 for i in range(30)]  # ends at 2.5 + 25.5 * 0.85**29 = 2.61 < ln 37
    verdict = run_doctor.diagnose(_records(repaired, _warmup(30)), chance=LN_37)
    assert verdict["verdict"] == "worse_than_chance" and verdict["step"] == 1
    # started where small weights start (ln 64 = 4.16 < 1.5 ln 37 = 5.42) and learned: healthy
    learned = [4.16 * 0.97**i for i in range(30)]  # ends at 4.16 * 0.97**29 = 1.72
    assert run_doctor.diagnose(_records(learned, _warmup(30)), chance=LN_37)["verdict"] == "healthy"


def test_a_wide_gap_is_divergence_even_while_validation_still_improves() -> None:
    train = [4.0 - 0.02 * i for i in range(100)]  # last tenth: mean of 4 - 0.02 * (90..99) = 2.11
    improving = {25: 3.6, 50: 3.5, 75: 3.45, 100: 3.4}  # best at the end: no rise, and 5.6% below the first
    verdict = run_doctor.diagnose(_records(train, _warmup(100), improving), chance=LN_37)
    # 2.11 < 0.8 * 3.4 = 2.72 and validation stalled (improved 5.6% < 10%): the step is the first loss under 2.72
    assert verdict["verdict"] == "train_val_divergence"
    assert verdict["step"] == next(i + 1 for i, x in enumerate(train) if x < 0.8 * 3.4) in (65, 66)
    following = {25: 3.6, 50: 3.1, 75: 2.7, 100: 2.4}  # improves 33%, and 2.11 / 2.4 = 0.88: no gap
    assert run_doctor.diagnose(_records(train, _warmup(100), following), chance=LN_37)["verdict"] == "healthy"
    wide = {25: 3.9, 50: 3.7, 75: 3.6, 100: 3.5}  # improves 10.3% (not stalled), but 2.11 / 3.5 = 0.60 < GAP_RATIO
    train_low = [x - 0.05 for x in train]  # 2.06 / 3.5 = 0.589
    verdict = run_doctor.diagnose(_records(train_low, _warmup(100), wide), chance=LN_37)
    assert verdict["verdict"] == "train_val_divergence"
    assert run_doctor.diagnose(_records(train, _warmup(100), wide), chance=LN_37)["verdict"] == "healthy"  # 0.603


def test_a_spike_with_warmup_is_not_this_doctors_alarm() -> None:
    loss = [4.2, 3.8, 3.3, 6.0, 3.2] + [3.0] * 25  # 6.0 > 1.5 * 3.3 at step 4
    assert run_doctor.diagnose(_records(loss, [0.3] * 30), chance=LN_37)["step"] == 4
    assert run_doctor.diagnose(_records(loss, _warmup(30)), chance=LN_37)["verdict"] == "healthy"


def test_read_log_stops_at_a_line_cut_by_an_interruption(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in _records([4.0, 3.9], [1e-3] * 2)]
    (tmp_path / loop.LOG).write_text("\n".join(lines) + '\n{"step": 3, "lo', "utf-8")
    assert [r["step"] for r in run_doctor.read_log(tmp_path)] == [1, 2]
    with pytest.raises(FileNotFoundError, match=r"inspector\.log\.jsonl"):
        run_doctor.read_log(tmp_path / "nothing")


# --------------------------------------------------------------------------- real runs

SMALL = loop.LoopConfig(
    steps=60, warmup_steps=10, lr=3e-3, min_lr=3e-4, batch_size=8, d_model=16, n_heads=2, n_layers=1, d_ff=32,
    held_out_per_verb=1, val_every=20, checkpoint_every=60,
)  # fmt: skip


def _verdict(config: loop.LoopConfig, folder: Path) -> dict[str, Any]:
    loop.train(config, folder)
    return run_doctor.diagnose_run(folder)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_healthy_runs_of_the_small_config_raise_no_alarm(seed: int, tmp_path: Path) -> None:
    verdict = _verdict(replace(SMALL, seed=seed), tmp_path)
    assert verdict["verdict"] == "healthy", verdict


def _case(break_id: str, on: bool) -> dict[str, Any]:
    """The break's case script run with the break on (or on correct code): its log and the doctor's verdict."""
    script = next(c.script for c in breaks.get(break_id).cases if c.id == "short-run")
    context = breaks.inject(break_id) if on else contextlib.nullcontext()
    with context, contextlib.redirect_stdout(io.StringIO()):
        namespace = runpy.run_path(str(script))
    return {"log": namespace["log"], **namespace["verdict"]}


def _first_spike(loss: list[float]) -> int:
    lowest = math.inf
    for step, value in enumerate(loss, 1):
        if value > 1.5 * lowest:
            return step
        lowest = min(lowest, value)
    raise AssertionError("no spike")


@pytest.mark.slow
def test_the_three_breaks_are_named_at_their_first_visible_step() -> None:
    init = _case("bad-init-scale", on=True)
    assert init["verdict"] == "worse_than_chance" and init["step"] == 1  # the first loss is the evidence
    assert init["log"][0]["loss"] > 5 * LN_37

    warmup = _case("no-warmup", on=True)
    assert warmup["verdict"] == "spike_without_warmup"
    assert warmup["log"][0]["lr"] == max(r["lr"] for r in warmup["log"])  # the flat start the doctor reads
    assert warmup["step"] == _first_spike([r["loss"] for r in warmup["log"]]) <= 5

    mask = _case("causal-mask-all-ones", on=True)
    assert mask["verdict"] == "train_val_divergence"
    vals = [(r["step"], r["val_loss"]) for r in mask["log"] if r["val_loss"] is not None]
    # the first validation more than 10% above the best one before it
    rise = next(s for i, (s, v) in enumerate(vals) if i and v > 1.1 * min(w for _, w in vals[:i]))
    assert mask["step"] == rise


@pytest.mark.slow
@pytest.mark.parametrize("break_id", ["bad-init-scale", "no-warmup", "causal-mask-all-ones"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_correct_code_in_each_breaks_configuration_raises_no_alarm(break_id: str, seed: int, tmp_path: Path) -> None:
    script = next(c.script for c in breaks.get(break_id).cases if c.id == "short-run")
    tree = ast.parse(script.read_text("utf-8"))
    assignment = next(n for n in tree.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "config")
    config = eval(ast.unparse(assignment.value), {"LoopConfig": loop.LoopConfig})  # the case's own configuration
    verdict = _verdict(replace(config, seed=seed), tmp_path)
    assert verdict["verdict"] == "healthy", verdict


# --------------------------------------------------------------------------- the phase-19 mystery

PHASE_19 = ["bad-init-scale", "causal-mask-all-ones", "no-warmup"]
ROOT = Path(__file__).resolve().parents[1]


def test_the_phase_19_mystery_gives_runs_and_dashboards_and_names_no_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from minigrad.breaks import breaks_command as breaks_cli
    from minigrad.breaks import mystery

    monkeypatch.setenv(mystery.STATE_VAR, str(tmp_path / "mystery.json"))
    assert sorted(b.id for b in breaks_cli.selected(19)) == PHASE_19
    assert breaks_cli.main(["mystery", "--phase", "19", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    for folder, argv in mystery.training_runs(4):
        assert f"minigrad breaks mystery-run -- {' '.join(argv)}" in out and f"minigrad dashboard {folder}" in out
    assert not any(break_id in out for break_id in PHASE_19)
    assert mystery.training_procedure(breaks_cli.selected(8), 4) is None  # other phases: the learner's scripts


def _cli(*argv: str, cwd: Path, env: dict[str, str]) -> str:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "minigrad.cli", *argv], capture_output=True, text=True, cwd=cwd, env=env, check=True
    )
    return done.stdout + done.stderr


# what each break shows in the two runs (measured; correct code: healthy in both)
SHOWN = {
    "no-warmup": ("spike_without_warmup", "healthy"),
    "bad-init-scale": ("worse_than_chance", "worse_than_chance"),
    "causal-mask-all-ones": ("healthy", "train_val_divergence"),
    None: ("healthy", "healthy"),
}


@pytest.mark.slow
@pytest.mark.parametrize("answer", [*PHASE_19, None])
def test_the_phase_19_mystery_end_to_end(answer: str | None, tmp_path: Path) -> None:
    """mystery --phase 19, the two runs under mystery-run, a dashboard on each, reveal --guess (or, for
    ``None``, the same two runs on correct code)."""
    import os
    import random
    import sys

    from minigrad.breaks import breaks_command as breaks_cli
    from minigrad.breaks import mystery

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), mystery.STATE_VAR: str(tmp_path / "mystery.json")}
    env.pop("MINIGRAD_BREAK", None)
    env.pop(mystery.TOKEN_VAR, None)
    candidates = breaks_cli.selected(19)
    seed = next(s for s in range(1000) if answer is None or random.Random(s).choice(candidates).id == answer)
    shown = ""
    if answer is not None:
        shown += _cli("breaks", "mystery", "--phase", "19", "--seed", str(seed), cwd=tmp_path, env=env)
    verdicts = []
    for folder, argv in mystery.training_runs(seed):
        # `minigrad` of the printed command, as this interpreter runs it
        prefix = ["breaks", "mystery-run", "--", sys.executable, "-m", "minigrad.cli"] if answer is not None else []
        shown += _cli(*prefix, *argv[1:], cwd=tmp_path, env=env)
        page = json.loads(_cli("dashboard", folder, "--json", cwd=tmp_path, env=env))
        assert (tmp_path / page["dashboard"]).is_file()
        verdicts.append(page["verdict"])
    assert tuple(verdicts) == SHOWN[answer]
    if answer is not None:
        assert answer not in shown  # nothing before the reveal names the break
        revealed = _cli("breaks", "reveal", "--guess", answer, cwd=tmp_path, env=env)
        assert f"was {answer}" in revealed and "Score: 2 of 2" in revealed
