"""``minigrad dashboard``: the n-gram baseline, the run doctor on logs with a known failure, and the page itself."""

from __future__ import annotations

import html
import itertools
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


def test_a_run_that_turned_nan_draws_its_nan_steps_in_every_panel() -> None:
    nan, inf = math.nan, math.inf
    steps = 6
    finite = [i < 3 for i in range(steps)]  # steps 1-3 finite, 4-6 not
    acts = [{"blocks.0": {"count": 8, "mean_abs": 1.0 if ok else inf, "std": 0.5 if ok else nan}} for ok in finite]
    grads = [{"blocks.0.mlp.0.weight": {"grad_to_weight": 0.01 if ok else nan}} for ok in finite]
    rows = _records(
        steps,
        [4.0 if ok else nan for ok in finite],
        WARMUP[:steps],
        activations=acts,
        gradients=grads,
        dead_units=[{"blocks.0.mlp.1": 0.1 if ok else nan} for ok in finite],
        attention_entropy=[{"blocks.0.attn": [1.0, 2.0] if ok else [nan, nan]} for ok in finite],
        spectral_norms=[{"blocks.0.mlp.0.weight": 1.0 if ok else inf} for ok in finite],
        val_loss_regular=[3.0 if ok else nan for ok in finite],
        val_loss_irregular=[3.5 if ok else nan for ok in finite],
    )
    for number, panel in enumerate(dashboard.panels(rows, baseline=1.0), start=1):
        figure = panel.html(number)
        for svg in re.findall(r"<svg.*?</svg>", figure, re.S):
            assert "<polyline" in svg, f"panel {number}: the finite steps are drawn"
            if number not in (2, 3):  # the learning rate and the grad norm stayed finite here
                assert svg.count('class="data nan"') >= 3, f"panel {number}: each non-finite step is marked"


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
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"] * page.count("<svg")  # namespaces
    panels = re.findall(r'<figure data-panel="(\d)"[^>]*>(.*?)</figure>', page, re.S)
    assert [p for p, _ in panels] == [str(i) for i in range(1, 8)]
    for number, figure in panels:
        for svg in re.findall(r"<svg.*?</svg>", figure, re.S):
            assert re.search(r'<(polyline|circle)[^>]*class="data', svg), f"panel {number} has a chart with no data"
    assert 'stroke-dasharray="6 4"' in panels[0][1]  # the baseline, dashed
    # panel 4: one chart per layer (the model has tok_emb, pos_emb, blocks.0, ln_f, lm_head)
    assert panels[3][1].count("<svg") == 5
    # panel 6: dead units, attention entropy and grad-to-weight ratios, each drawn
    assert panels[5][1].count("<svg") == 3
    assert "blocks.0.mlp" in panels[5][1] and "blocks.0.attn[1]" in panels[5][1]


def test_the_spanish_page_shows_no_english_label(run_dir: Path) -> None:
    with using_lang("es"):
        page, _ = dashboard.render(run_dir)
    entries = catalog()
    keys = [
        k
        for k in entries
        if (k.startswith("run.dashboard.") and not k.startswith("run.dashboard.help")) or k.startswith("run.panel.")
    ]
    shown = [k for k in keys if html.escape(entries[k]["es"]) in page]
    assert "run.panel.dead_units" in shown and "run.panel.step" in shown, shown
    for key in keys:
        english = entries[key]["en"]
        if english != entries[key]["es"] and "{" not in english:
            assert html.escape(english) not in page, key
    assert '<html lang="es">' in page


def test_the_command_writes_the_page_and_prints_the_verdict_as_json(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from minigrad.cli import main

    assert main(["dashboard", str(run_dir), "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["verdict"] == "healthy" and Path(verdict["dashboard"]).exists()
    assert main(["dashboard", str(run_dir / "missing")]) == 2


def test_log_axis_labels_are_round_numbers_apart_from_each_other() -> None:
    # a loss from 4 down to 1.3 and a baseline at 0.93: less than a decade, still labelled; 0.9 would sit on 1
    svg = dashboard.chart(
        [{"label": "loss", "x": [1, 2, 3], "y": [4.0, 2.0, 1.3]}, {"label": "b", "x": [1, 3], "y": [0.93, 0.93]}],
        log=True,
    )
    labels = re.findall(r'<text x="[\d.]+" y="([\d.]+)" text-anchor="end">([^<]+)</text>', svg)
    assert {"1", "2", "3", "4"} <= {text for _, text in labels} and "0.9" not in {text for _, text in labels}
    heights = sorted(float(y) for y, _ in labels)
    assert all(b - a >= 16 for a, b in itertools.pairwise(heights))
    # many decades (activations that blew up): about five labels, powers of ten
    wide = dashboard.chart([{"label": "a", "x": [1, 2], "y": [1e-2, 1e30]}], log=True)
    decades = re.findall(r'text-anchor="end">([^<]+)</text>', wide)
    assert 3 <= len(decades) <= 7 and all(re.fullmatch(r"1e[+-]\d+|1|10|100|1000|0.01|0.1", d) for d in decades)
