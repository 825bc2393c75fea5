"""``minigrad dashboard RUN_DIR``: one self-contained HTML page per run, and a run doctor that names what went wrong.

The page is rendered here, in Python, as inline SVG: no chart library, no
script, no font or stylesheet to fetch, so it opens offline and cannot ask the
network for anything (a chart library inlined would be ~200 kB of someone
else's JavaScript to keep up to date, for seven line charts).  Its texts come
from ``messages/run.toml`` in the current language (``--lang es``).

Panels, from ``inspector.log.jsonl`` (schema ``minigrad.run.log/1``):

1. train and validation loss, log axis, the character n-gram baseline dashed;
2. the learning rate;
3. the global gradient norm before clipping;
4. each layer's mean |activation| with a band of +-1 std (``--inspect`` runs);
5. the spectral norm of each weight matrix, by power iteration (``--inspect``);
6. gradient-to-weight ratios ||g|| / ||w|| (``--inspect``);
7. validation loss of regular and irregular verbs.

The run doctor (:func:`minigrad.run_doctor.diagnose`) reads the same log and names one verdict, with
its evidence and the step where it first showed; the page shows it above the panels.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .commandline import UsageError, command_parser, help_text
from .data.corpus import NEWLINE, CharTokenizer
from .messages import current_lang, text
from .run_doctor import Record, diagnose, read_log
from .run_doctor import finite as _finite
from .training.loop import LOG, MANIFEST, LoopConfig, examples

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


# --------------------------------------------------------------------------- the n-gram baseline


def ngram_cross_entropy(train: Sequence[str], val: Sequence[str], order: int = 3, smoothing: float = 0.1) -> float:
    """Cross-entropy (nats per token) on ``val`` of a character ``order``-gram model fitted on ``train``.

    Each line is framed as the model sees it (``"\\n" + line + "\\n"``), and
    every character after the first newline is predicted, as the loop's
    token-mean loss does.  ``p(c | h) = (count(h, c) + k) / (count(h) + k V)``
    (add-k smoothing over the ``V`` symbols of the training text plus one for
    unseen symbols), with ``h`` the ``order - 1`` characters before ``c``
    (left-padded with newlines).
    """
    pad = NEWLINE * (order - 1)
    pairs: Counter[tuple[str, str]] = Counter()
    contexts: Counter[str] = Counter()
    symbols: set[str] = set()
    for line in train:
        framed = pad + line + NEWLINE
        symbols.update(framed)
        for i in range(order - 1, len(framed)):
            history = framed[i - order + 1 : i]
            pairs[history, framed[i]] += 1
            contexts[history] += 1
    vocab = len(symbols) + 1
    total, count = 0.0, 0
    for line in val:
        framed = pad + line + NEWLINE
        for i in range(order - 1, len(framed)):
            history = framed[i - order + 1 : i]
            p = (pairs[history, framed[i]] + smoothing) / (contexts[history] + smoothing * vocab)
            total -= math.log(p)
            count += 1
    return total / count


def baseline_for(run_dir: str | os.PathLike[str]) -> float:
    """The trigram baseline on the run's own validation lines, from the run's own training lines."""
    config = LoopConfig.from_dict(json.loads((Path(run_dir) / MANIFEST).read_text("utf-8"))["config"])
    train, val = examples(config)
    return ngram_cross_entropy(
        [line for e in train for line in (e.en, e.es)], [line for e in val for line in (e.en, e.es)]
    )


# --------------------------------------------------------------------------- SVG charts

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 260, 64, 12, 12, 36


def _ticks(low: float, high: float, log: bool) -> list[float]:
    if log:
        return [10.0**k for k in range(math.floor(low), math.ceil(high) + 1)]
    span = high - low or 1.0
    step = 10 ** math.floor(math.log10(span / 4))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 6:
            step *= factor
            break
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def chart(series: Sequence[dict[str, Any]], *, log: bool = False, empty: str = "") -> str:
    """An SVG line chart: ``series`` of ``{label, x, y, color?, dashed?, low?, high?}`` (``low``/``high`` a band).

    Non-finite values break the line (a NaN step shows as a gap and a red mark
    on the x axis).  ``log`` plots ``log10(y)`` for positive ``y``.
    """

    def tr(v: float) -> float | None:
        if not _finite(v):
            return None
        if log:
            return math.log10(v) if v > 0 else None
        return float(v)

    points = [
        (x, t)
        for s in series
        for key in ("y", "low", "high")
        for x, v in zip(s["x"], s.get(key) or [])
        if (t := tr(v)) is not None
    ]
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
    if not points:
        note = html.escape(empty)
        return f'{head}<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">{note}</text></svg>'
    xs = [float(p[0]) for p in points]
    ys = [p[1] for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    x1 = x1 if x1 > x0 else x0 + 1

    def px(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)

    def py(y: float) -> float:
        return HEIGHT - BOTTOM - (y - y0) / (y1 - y0) * (HEIGHT - TOP - BOTTOM)

    parts = [
        head,
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" height="{HEIGHT - TOP - BOTTOM}" class="frame"/>',
    ]
    for t in _ticks(y0, y1, log):
        value = math.log10(t) if log else t
        if y0 <= value <= y1:
            label = f"{t:.0e}" if log else f"{t:.4g}"
            parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(value):.1f}" y2="{py(value):.1f}" class="grid"/>'
            )
            parts.append(f'<text x="{LEFT - 4}" y="{py(value) + 4:.1f}" text-anchor="end">{label}</text>')
    for t in _ticks(x0, x1, False):
        parts.append(f'<text x="{px(t):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{t:.0f}</text>')
    for i, s in enumerate(series):
        color = s.get("color") or PALETTE[i % len(PALETTE)]
        if s.get("low") is not None and s.get("high") is not None:
            upper = [(px(x), py(v)) for x, h in zip(s["x"], s["high"]) if (v := tr(h)) is not None]
            lower = [
                (px(x), py(v))
                for x, lo in zip(s["x"], s["low"])
                if (v := tr(max(lo, 1e-300) if log else lo)) is not None
            ]
            if upper and lower:
                outline = " ".join(f"{a:.1f},{b:.1f}" for a, b in upper + lower[::-1])
                parts.append(f'<polygon points="{outline}" fill="{color}" fill-opacity="0.15" stroke="none"/>')
        runs: list[list[tuple[float, float]]] = [[]]
        for x, v in zip(s["x"], s["y"]):
            t = tr(v)
            if t is None:
                if runs[-1]:
                    runs.append([])
                if not _finite(v):
                    parts.append(f'<circle cx="{px(x):.1f}" cy="{HEIGHT - BOTTOM}" r="3" class="nan"/>')
                continue
            runs[-1].append((px(x), py(t)))
        dash = ' stroke-dasharray="6 4"' if s.get("dashed") else ""
        for run in runs:
            if len(run) == 1:
                parts.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2.5" fill="{color}"/>')
            elif run:
                path = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"{dash}/>')
    legend = "".join(
        f'<text x="{LEFT + 8}" y="{TOP + 16 + 14 * i}" fill="{s.get("color") or PALETTE[i % len(PALETTE)]}">'
        f"{html.escape(s['label'])}</text>"
        for i, s in enumerate(series[:10])
    )
    return "".join(parts) + legend + "</svg>"


# --------------------------------------------------------------------------- the page


def _column(records: Sequence[Record], key: str) -> tuple[list[int], list[float]]:
    rows = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    return [s for s, _ in rows], [v for _, v in rows]


def _nested(records: Sequence[Record], group: str) -> dict[str, tuple[list[int], list[Any]]]:
    out: dict[str, tuple[list[int], list[Any]]] = {}
    for r in records:
        for name, value in (r.get(group) or {}).items():
            xs, ys = out.setdefault(name, ([], []))
            xs.append(r["step"])
            ys.append(value)
    return out


def panels(records: Sequence[Record], baseline: float | None) -> list[tuple[str, str]]:
    """``(title, svg)`` of the seven panels."""
    steps, loss = _column(records, "loss")
    vsteps, val = _column(records, "val_loss")
    loss_series: list[dict[str, Any]] = [
        {"label": text("run.dashboard.train_loss"), "x": steps, "y": loss},
        {"label": text("run.dashboard.val_loss"), "x": vsteps, "y": val},
    ]
    if baseline is not None and steps:
        loss_series.append(
            {
                "label": text("run.dashboard.baseline"),
                "x": [steps[0], steps[-1]],
                "y": [baseline] * 2,
                "dashed": True,
                "color": "#555",
            }
        )
    no_inspect = text("run.dashboard.no_inspect")
    activations = _nested(records, "activations")
    layer_series = []
    for name, (xs, stats) in activations.items():
        if name.count(".") > 1:  # per layer: blocks.0, not blocks.0.attn
            continue
        mean = [s["mean_abs"] for s in stats]
        std = [s["std"] for s in stats]
        layer_series.append(
            {
                "label": name,
                "x": xs,
                "y": mean,
                "low": [max(m - d, 0.0) if _finite(m) and _finite(d) else math.nan for m, d in zip(mean, std)],
                "high": [m + d if _finite(m) and _finite(d) else math.nan for m, d in zip(mean, std)],
            }
        )
    spectral = [{"label": name, "x": xs, "y": ys} for name, (xs, ys) in _nested(records, "spectral_norms").items()]
    ratios = [
        {"label": name, "x": xs, "y": [s["grad_to_weight"] for s in stats]}
        for name, (xs, stats) in _nested(records, "gradients").items()
        if name.endswith("weight") and "ln" not in name
    ]
    rsteps, regular = _column(records, "val_loss_regular")
    isteps, irregular = _column(records, "val_loss_irregular")
    return [
        (text("run.dashboard.panel.loss"), chart(loss_series, log=True, empty=text("run.dashboard.no_data"))),
        (
            text("run.dashboard.panel.lr"),
            chart([{"label": "lr", "x": steps, "y": _column(records, "lr")[1]}], empty=text("run.dashboard.no_data")),
        ),
        (
            text("run.dashboard.panel.grad_norm"),
            chart(
                [{"label": text("run.dashboard.grad_norm"), "x": steps, "y": _column(records, "grad_norm")[1]}],
                log=True,
                empty=text("run.dashboard.no_data"),
            ),
        ),
        (text("run.dashboard.panel.activations"), chart(layer_series, log=True, empty=no_inspect)),
        (text("run.dashboard.panel.spectral"), chart(spectral, empty=no_inspect)),
        (text("run.dashboard.panel.ratios"), chart(ratios, log=True, empty=no_inspect)),
        (
            text("run.dashboard.panel.classes"),
            chart(
                [
                    {"label": text("run.dashboard.regular"), "x": rsteps, "y": regular},
                    {"label": text("run.dashboard.irregular"), "x": isteps, "y": irregular},
                ],
                empty=text("run.dashboard.no_data"),
            ),
        ),
    ]


STYLE = (
    "body{font-family:sans-serif;margin:24px;color:#222}"
    ".grid{stroke:#ddd}.frame{fill:none;stroke:#999}.nan{fill:#d62728}"
    "svg text{font-size:11px;font-family:sans-serif}.empty{fill:#999;font-size:14px}"
    ".panels{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-weight:bold;margin:4px 0}"
    ".verdict{padding:12px;border-radius:6px;background:#eef}.verdict.bad{background:#fee}"
)


def render(run_dir: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """The page's HTML and the doctor's verdict, from the run folder's log and manifest."""
    records = read_log(run_dir)
    baseline = baseline_for(run_dir) if (Path(run_dir) / MANIFEST).exists() else None
    verdict = diagnose(records, baseline, math.log(CharTokenizer.from_corpus().vocab_size))
    figures = "".join(
        f'<figure data-panel="{i}"><figcaption>{i}. {html.escape(title)}</figcaption>{svg}</figure>'
        for i, (title, svg) in enumerate(panels(records, baseline), start=1)
    )
    name = text(f"run.doctor.verdict.{verdict['verdict']}")
    where = text("run.doctor.at_step", step=verdict["step"]) if verdict["step"] is not None else ""
    kind = "verdict" if verdict["verdict"] == "healthy" else "verdict bad"
    title = html.escape(text("run.dashboard.title", run=Path(run_dir).name))
    page = (
        f'<!DOCTYPE html><html lang="{current_lang()}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1>"
        f'<div class="{kind}"><strong>{html.escape(name)}</strong>{html.escape(where)}<br>'
        f"{html.escape(verdict['evidence'])}</div>"
        f'<div class="panels">{figures}</div></body></html>\n'
    )
    return page, {**verdict, "baseline": baseline}


def verdict_line(verdict: dict[str, Any]) -> str:
    """``"<verdict> (step N): <evidence>"`` in the current language."""
    where = text("run.doctor.at_step", step=verdict["step"]) if verdict["step"] is not None else ""
    return f"{text('run.doctor.verdict.' + verdict['verdict'])}{where}: {verdict['evidence']}"


def write_dashboard(run_dir: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """Write ``run_dir/dashboard.html``; return its path and the doctor's verdict."""
    page, verdict = render(run_dir)
    target = Path(run_dir) / "dashboard.html"
    target.write_text(page, "utf-8")
    return target, verdict


def dashboard_parser() -> argparse.ArgumentParser:
    parser = command_parser("minigrad dashboard", help_text("run.dashboard.description"))
    parser.add_argument("run_dir", metavar="RUN_DIR", help=help_text("run.dashboard.help.run_dir"))
    parser.add_argument("--json", action="store_true", help=help_text("run.dashboard.help.json"))
    return parser


def dashboard_main(argv: Sequence[str]) -> int:
    """``minigrad dashboard RUN_DIR [--json] [--lang es]``: write RUN_DIR/dashboard.html and print the verdict."""
    args = dashboard_parser().parse_args(argv)
    if not (Path(args.run_dir) / LOG).exists():
        raise UsageError(text("run.error.no_log", path=str(Path(args.run_dir) / LOG)))
    target, verdict = write_dashboard(args.run_dir)
    if args.json:
        print(json.dumps({**verdict, "dashboard": str(target)}, ensure_ascii=False))
    else:
        print(verdict_line(verdict))
        print(text("run.dashboard.written", path=str(target)))
    return 0
