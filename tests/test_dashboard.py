"""``minigrad dashboard``: the n-gram baseline, the run doctor on logs with a known failure, and the page itself."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from minigrad import dashboard
from minigrad.messages import catalog, using_lang
from minigrad.training import loop


def test_the_ngram_baseline_is_the_hand_computed_cross_entropy() -> None:
    # bigram (order 2) on "ab": framed "\nab\n"; pairs (\n,a) (a,b) (b,\n); 3 symbols + 1 unseen -> V = 4, k = 0.1
    # val "ab": the same three predictions, each with count 1 of context count 1: p = 1.1 / 1.4
    got = dashboard.ngram_cross_entropy(["ab"], ["ab"], order=2, smoothing=0.1)
    assert got == pytest.approx(-math.log(1.1 / 1.4), rel=1e-12)
    # an unseen character after "b": p(c | b) = 0.1 / 1.4; then "\n" after "c" (unseen context): 0.1 / 0.4
    got = dashboard.ngram_cross_entropy(["ab"], ["abc"], order=2, smoothing=0.1)
    expected = (-2 * math.log(1.1 / 1.4) - math.log(0.1 / 1.4) - math.log(0.1 / 0.4)) / 4
    assert got == pytest.approx(expected, rel=1e-12)


def _records(n: int, loss: list[float], lr: list[float], **extra: list[object]) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        row: dict[str, object] = {"schema": loop.LOG_SCHEMA, "step": i + 1, "loss": loss[i], "lr": lr[i]}
        row["grad_norm"] = 1.0
        row["val_loss"] = None
        for key, values in extra.items():
            row[key] = values[i]
        rows.append(row)
    return rows


WARMUP = [3e-4 * min(1.0, (i + 1) / 10) for i in range(60)]


def test_the_doctor_names_nan_after_activations_blew_up_at_the_first_step_they_did() -> None:
    acts = [{"blocks.0": {"count": 10, "mean_abs": 1.0 * 10 ** (i / 2), "std": 1.0}} for i in range(12)]
    loss = [4.0] * 9 + [math.nan] * 3
    verdict = dashboard.diagnose(_records(12, loss, WARMUP, activations=acts))
    # mean_abs reaches 100x its first value (10^(i/2) > 100) first at i = 5, step 6; the loss is NaN from step 10
    assert verdict["verdict"] == "nan_after_activations" and verdict["step"] == 6
    assert "blocks.0" in verdict["evidence"] and "10" in verdict["evidence"]
    assert dashboard.diagnose(_records(12, loss, WARMUP))["verdict"] == "nan"  # no activations logged


def test_the_doctor_names_a_spike_only_without_warmup() -> None:
    loss = [4.0 - 0.05 * i for i in range(60)]
    loss[30] = 9.0
    flat = [3e-4] * 60
    verdict = dashboard.diagnose(_records(60, loss, flat))
    assert verdict["verdict"] == "spike_without_warmup" and verdict["step"] == 31
    assert dashboard.diagnose(_records(60, loss, WARMUP))["verdict"] == "healthy"  # with warmup: not this failure


def test_the_doctor_names_train_val_divergence_and_not_a_healthy_gap() -> None:
    loss = [4.0 * 0.93**i for i in range(60)]  # down to about 0.05
    val = [3.0 if (i + 1) % 10 == 0 else None for i in range(60)]  # flat
    verdict = dashboard.diagnose(_records(60, loss, WARMUP, val_loss=val), baseline=1.0)
    assert verdict["verdict"] == "train_val_divergence"
    assert verdict["step"] == next(i + 1 for i, v in enumerate(loss) if v < 0.8 * 3.0)  # val never rose: flat
    # the shape of a real run with an all-ones causal mask (seed 0, 300 steps, val every 50 steps here): the best
    # val is 2.94 (step 100); 3.21 at step 150 is within 10% of it, 3.52 at step 200 is not
    leak = [3.07, 2.94, 3.21, 3.52, 3.64, 3.57]
    rising = [leak[(i + 1) // 50 - 1] if (i + 1) % 50 == 0 else None for i in range(300)]
    train = [3.0 - 0.003 * i for i in range(300)]  # ends near 2.1
    verdict = dashboard.diagnose(_records(300, train, [3e-4] * 9 + [3e-3] * 291, val_loss=rising))
    assert verdict["verdict"] == "train_val_divergence" and verdict["step"] == 200
    following = [4.0 * 0.93 ** (i + 3) if (i + 1) % 10 == 0 else None for i in range(60)]  # val falls with train
    assert dashboard.diagnose(_records(60, loss, WARMUP, val_loss=following), baseline=1.0)["verdict"] == "healthy"


def test_the_doctor_names_a_loss_that_stays_above_a_uniform_guess() -> None:
    loss = [25.0 - 0.01 * i for i in range(60)]  # what bad-init-scale does to the pre-norm MiniGPT: finite, useless
    verdict = dashboard.diagnose(_records(60, loss, WARMUP), chance=math.log(50))
    assert verdict["verdict"] == "worse_than_chance" and verdict["step"] == 1  # 25 > 1.5 ln 50: visible at once
    never = [
        4.0
    ] * 60  # started near chance ln 50 = 3.91 (under 1.5x it) and stayed above: named where the last tenth starts
    verdict = dashboard.diagnose(_records(60, never, WARMUP), chance=math.log(50))
    assert verdict["verdict"] == "worse_than_chance" and verdict["step"] == 55
    learning = [4.0 * 0.97**i for i in range(60)]
    assert dashboard.diagnose(_records(60, learning, WARMUP), chance=math.log(50))["verdict"] == "healthy"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    config = loop.LoopConfig(
        steps=40, warmup_steps=5, d_model=16, n_layers=1, batch_size=4, val_every=8, lr=3e-3, inspect=True
    )
    loop.train(config, folder)
    return folder


def test_a_healthy_run_gets_a_self_contained_page_with_seven_drawn_panels(run_dir: Path) -> None:
    page, verdict = dashboard.render(run_dir)
    assert verdict["verdict"] == "healthy"
    assert not re.search(r"<script|<link|<img|<iframe|src=|href=|url\(|@import", page)  # nothing to fetch or run
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"] * 7  # only the SVG namespace
    panels = re.findall(r'<figure data-panel="(\d)">(.*?)</figure>', page, re.S)
    assert [p for p, _ in panels] == [str(i) for i in range(1, 8)]
    for number, svg in panels:
        assert "<polyline" in svg or "<circle" in svg, f"panel {number} has no drawn data"
    assert 'stroke-dasharray="6 4"' in panels[0][1]  # the baseline, dashed


def test_the_spanish_page_shows_no_english_label(run_dir: Path) -> None:
    with using_lang("es"):
        page, _ = dashboard.render(run_dir)
    entries = catalog()
    keys = [k for k in entries if k.startswith("run.dashboard.") and not k.startswith("run.dashboard.help")]
    shown = [k for k in keys if entries[k]["es"] in page]
    assert shown, "no Spanish label found"
    for key in keys:
        english = entries[key]["en"]
        if english != entries[key]["es"] and "{" not in english:
            assert english not in page, key
    assert '<html lang="es">' in page


def test_the_command_writes_the_page_and_prints_the_verdict_as_json(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from minigrad.cli import main

    assert main(["dashboard", str(run_dir), "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["verdict"] == "healthy" and Path(verdict["dashboard"]).exists()
    assert main(["dashboard", str(run_dir / "missing")]) == 2
