"""``minigrad dashboard RUN_DIR``: one self-contained HTML page per run, and a run doctor that names what went wrong.

The page is rendered here, in Python, as inline SVG: no chart library, no
script, no font or stylesheet to fetch, so it opens offline and cannot ask the
network for anything (a chart library inlined would be ~200 kB of someone
else's JavaScript to keep up to date, for seven line charts).  Its texts come
from ``messages/run.toml`` in the current language (``--lang es``).

Panels, from ``inspector.log.jsonl`` (schema ``minigrad.run.log/2``):

1. train and validation loss, log axis, the character n-gram baseline dashed;
2. the learning rate;
3. the global gradient norm before clipping;
4. each layer's mean |activation| with a band of +-1 std (``--inspect`` runs),
   one small chart per layer on a shared log axis (overlaid, six bands that
   reach 0 whenever std > mean |a|, as is usual, would hide every line);
5. the spectral norm of each weight matrix, by power iteration (``--inspect``);
6. the health of the units (``--inspect``), three charts: the fraction of dead
   units of each MLP, each attention head's mean entropy (nats), and the
   gradient-to-weight ratios ||g|| / ||w||;
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
from .run_doctor import Record, diagnose, read_log, verdict_line
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
    """Tick values in data units: ``low``/``high`` are ``log10`` of the range when ``log`` (ticks are then values).

    Log ticks are 1, 2 and 5 times the powers of ten in range, or every integer multiple when that gives fewer
    than three (a loss between 1.3 and 4 still gets labels).
    """
    if log:
        if high - low > 6:  # many decades (a blown-up run): every k-th power of ten, about five of them
            every = math.ceil((high - low) / 5)
            return [10.0**k for k in range(math.ceil(low), math.floor(high) + 1) if k % every == 0]
        decades = range(math.floor(low), math.ceil(high) + 1)
        for multiples in ((1,), (1, 2, 5), tuple(range(1, 10))):
            ticks = [m * 10.0**k for k in decades for m in multiples if low - 1e-9 <= math.log10(m) + k <= high + 1e-9]
            if len(ticks) >= 3:
                return ticks
        return ticks
    span = high - low or 1.0
    step = 10 ** math.floor(math.log10(span / 4))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 6:
            step *= factor
            break
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _tick_rank(value: float) -> int:
    """0 for a power of ten, 1 for 2 or 5 times one, 2 for any other multiple."""
    mantissa = round(value / 10 ** math.floor(math.log10(value) + 1e-9))
    return 0 if mantissa == 1 else 1 if mantissa in (2, 5) else 2


def _tick_label(value: float, log: bool) -> str:
    if log:
        return f"{value:g}"
    return f"{value:.4g}" if abs(value) >= 1e-12 else "0"


def series_color(index: int, s: dict[str, Any]) -> str:
    return str(s.get("color") or PALETTE[index % len(PALETTE)])


def chart(
    series: Sequence[dict[str, Any]],
    *,
    log: bool = False,
    empty: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
    y_min: float | None = None,
    y_max: float | None = None,
    x_label: str = "",
) -> str:
    """An SVG line chart: ``series`` of ``{label, x, y, color?, dashed?, low?, high?}`` (``low``/``high`` a band).

    Non-finite values break the line (a NaN step shows as a gap and a red mark
    on the x axis).  ``log`` plots ``log10(y)`` for positive ``y``.  ``y_min``
    and ``y_max`` fix the axis (values outside are clamped to it).  Every
    drawn data mark has the class ``data``; the labels are in :func:`legend`.
    """

    def tr(v: float) -> float | None:
        if not _finite(v):
            return None
        if log:
            return math.log10(v) if v > 0 else None
        return float(v)

    points = [(x, t) for s in series for x, v in zip(s["x"], s["y"]) if (t := tr(v)) is not None]
    band_points = [
        (x, t)
        for s in series
        for key in ("low", "high")
        for x, v in zip(s["x"], s.get(key) or [])
        if (t := tr(v)) is not None
    ]
    nan_steps = [x for s in series for x, v in zip(s["x"], s["y"]) if v is not None and not _finite(v)]
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    if not points and not nan_steps:
        note = html.escape(empty)
        return f'{head}<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="empty">{note}</text></svg>'
    xs = [float(p[0]) for p in points + band_points] + [float(x) for x in nan_steps]
    # the band widens the axis, but never past a decade below the lowest mean (a std larger than the mean
    # would otherwise squash every line against the top on a log axis)
    ys = [p[1] for p in points] + [
        b for _, b in band_points if not points or not log or b >= min(p[1] for p in points) - 1
    ]
    x0, x1 = min(xs), max(xs)
    fixed_low, fixed_high = tr(y_min) if y_min is not None else None, tr(y_max) if y_max is not None else None
    y0 = fixed_low if fixed_low is not None else min(ys, default=0.0)
    y1 = fixed_high if fixed_high is not None else max(ys, default=y0 + 1.0)
    if y1 - y0 < 1e-12:
        y0, y1 = (y0 - 0.5, y1 + 0.5) if not log else (y0 - 0.25, y1 + 0.25)
    margin = 0.03 * (y1 - y0)  # a line at the axis' end (a dead fraction of 0) stays off the frame
    y0, y1 = y0 - margin, y1 + margin
    x1 = x1 if x1 > x0 else x0 + 1
    bottom_y = height - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * (width - LEFT - RIGHT)

    def py(y: float) -> float:
        y = min(max(y, y0), y1)  # clamped: nothing is drawn outside the frame
        return bottom_y - (y - y0) / (y1 - y0) * (height - TOP - BOTTOM)

    parts = [
        head,
        f'<rect x="{LEFT}" y="{TOP}" width="{width - LEFT - RIGHT}" height="{height - TOP - BOTTOM}" class="frame"/>',
    ]
    placed: list[float] = []
    for t in sorted(_ticks(y0, y1, log), key=_tick_rank if log else float):
        value = math.log10(t) if log else t
        # a tick closer than a label and a half to one already placed is left out (0.9 beside 1 on a log
        # axis); powers of ten are placed first, then 2 and 5 times them, then the rest
        if y0 - 1e-9 <= value <= y1 + 1e-9 and all(abs(py(value) - y) >= 16 for y in placed):
            placed.append(py(value))
            parts.append(
                f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{py(value):.1f}" y2="{py(value):.1f}" class="grid"/>'
            )
            parts.append(f'<text x="{LEFT - 4}" y="{py(value) + 4:.1f}" text-anchor="end">{_tick_label(t, log)}</text>')
    for t in _ticks(x0, x1, False):
        parts.append(f'<text x="{px(t):.1f}" y="{bottom_y + 16}" text-anchor="middle">{t:.0f}</text>')
    if x_label:
        parts.append(f'<text x="{width - RIGHT}" y="{bottom_y + 30}" text-anchor="end" class="axis">')
        parts.append(f"{html.escape(x_label)}</text>")
    for i, s in enumerate(series):
        color = series_color(i, s)
        if s.get("low") is not None and s.get("high") is not None:
            # a band's edge where it is not positive (log) sits on the bottom of the frame
            upper = [(px(x), py(v)) for x, h in zip(s["x"], s["high"]) if (v := tr(h)) is not None]
            lower = []
            for x, lo in zip(s["x"], s["low"]):
                if _finite(lo):
                    edge = tr(lo)
                    lower.append((px(x), py(edge if edge is not None else y0)))
            if upper and lower:
                outline = " ".join(f"{a:.1f},{b:.1f}" for a, b in upper + lower[::-1])
                parts.append(f'<polygon points="{outline}" fill="{color}" fill-opacity="0.12" stroke="none"/>')
        runs: list[list[tuple[float, float]]] = [[]]
        for x, v in zip(s["x"], s["y"]):
            t = tr(v)
            if t is None:
                if runs[-1]:
                    runs.append([])
                if not _finite(v):
                    parts.append(f'<circle cx="{px(x):.1f}" cy="{bottom_y}" r="3" class="data nan"/>')
                continue
            runs[-1].append((px(x), py(t)))
        dash = ' stroke-dasharray="6 4"' if s.get("dashed") else ""
        for run in runs:
            if len(run) == 1:
                parts.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2.5" fill="{color}" class="data"/>')
            elif run:
                path = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"{dash} class="data"/>'
                )
    return "".join(parts) + "</svg>"


def legend(series: Sequence[dict[str, Any]]) -> str:
    """The series' labels in their colours, as HTML under the chart (a dashed series gets a dashed swatch)."""
    items = "".join(
        f'<li><span class="swatch{" dashed" if s.get("dashed") else ""}" style="border-color:{series_color(i, s)}">'
        f"</span>{html.escape(s['label'])}</li>"
        for i, s in enumerate(series)
    )
    return f'<ul class="legend">{items}</ul>' if items else ""


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


Chart = tuple[str, list[dict[str, Any]], dict[str, Any]]


class Panel:
    """One numbered panel: a title and one or more ``(subtitle, series, chart options)`` charts.

    ``multiples``: the charts are small multiples, side by side (one per layer).
    """

    def __init__(self, title: str, *charts: Chart, multiples: bool = False) -> None:
        self.title, self.charts, self.multiples = title, charts, multiples

    def html(self, number: int) -> str:
        step = text("run.panel.step")
        blocks = []
        for subtitle, series, options in self.charts:
            caption = f'<div class="subtitle">{html.escape(subtitle)}</div>' if subtitle else ""
            shown = legend(series) if len(series) > 1 else ""
            blocks.append(f'<div class="chart">{caption}{chart(series, x_label=step, **options)}{shown}</div>')
        body = "".join(blocks)
        if self.multiples:
            body = f'<div class="multiples">{body}</div>'
        tall = ' class="tall"' if len(self.charts) > 2 else ""
        return (
            f'<figure data-panel="{number}"{tall}>'
            f"<figcaption>{number}. {html.escape(self.title)}</figcaption>{body}</figure>"
        )


def unit_health(records: Sequence[Record]) -> Panel:
    """Panel 6: dead units of each MLP, attention entropy of each head, grad-to-weight ratio of each matrix."""
    no_inspect = text("run.dashboard.no_inspect")
    dead = [
        {"label": name.rsplit(".", 1)[0] if name.count(".") > 1 else name, "x": xs, "y": ys}
        for name, (xs, ys) in _nested(records, "dead_units").items()
    ]
    entropy = []
    for index, (name, (xs, per_step)) in enumerate(_nested(records, "attention_entropy").items()):
        heads = max((len(h) for h in per_step), default=0)
        for head in range(heads):
            entropy.append(
                {
                    "label": f"{name}[{head}]",
                    "x": xs,
                    "y": [h[head] if head < len(h) else math.nan for h in per_step],
                    # one colour per layer, the heads of a layer told apart by shade
                    "color": _shade(PALETTE[index % len(PALETTE)], head, heads),
                }
            )
    ratios = [
        {"label": name, "x": xs, "y": [s["grad_to_weight"] for s in stats]}
        for name, (xs, stats) in _nested(records, "gradients").items()
        if name.endswith("weight") and "ln" not in name
    ]
    small = {"height": 200, "empty": no_inspect}
    return Panel(
        text("run.panel.units"),
        (text("run.panel.dead_units"), dead, {**small, "y_min": 0.0, "y_max": 1.0}),
        (text("run.panel.attention_entropy"), entropy, {**small, "y_min": 0.0}),
        (text("run.dashboard.panel.ratios"), ratios, {**small, "log": True}),
    )


def _shared_range(series: Sequence[dict[str, Any]]) -> dict[str, float]:
    """``{y_min, y_max}`` of a log axis that every layer's small chart shares, so that their scales compare.

    From the smallest to the largest positive mean and band edge, the band's lower edges no more than a
    decade below the smallest mean (an activation's std often exceeds its mean |a|: that edge is at 0).
    """
    means = [v for s in series for v in s["y"] if _finite(v) and v > 0]
    if not means:
        return {}
    floor = min(means) / 10
    lows = [v for s in series for v in s["low"] if _finite(v) and v >= floor]
    highs = [v for s in series for v in s["high"] if _finite(v) and v > 0]
    return {"y_min": min(means + lows), "y_max": max(means + highs)}


def _shade(color: str, index: int, count: int) -> str:
    """``color`` (``#rrggbb``) mixed with white by ``index / count`` * 0.6: the heads of one layer."""
    mix = 0.6 * index / max(count, 1)
    channels = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * mix):02x}" for c in channels)


def panels(records: Sequence[Record], baseline: float | None) -> list[Panel]:
    """The seven panels, in order."""
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
    no_data = {"empty": text("run.dashboard.no_data")}
    no_inspect = {"empty": text("run.dashboard.no_inspect")}
    layer_series = []
    for name, (xs, stats) in _nested(records, "activations").items():
        if name.count(".") > 1:  # per layer: blocks.0, not blocks.0.attn
            continue
        mean = [s["mean_abs"] for s in stats]
        std = [s["std"] for s in stats]
        layer_series.append(
            {
                "label": name,
                "x": xs,
                "y": mean,
                "low": [m - d if _finite(m) and _finite(d) else math.nan for m, d in zip(mean, std)],
                "high": [m + d if _finite(m) and _finite(d) else math.nan for m, d in zip(mean, std)],
            }
        )
    # small multiples, one chart per layer on one shared log axis: six overlapping +-1 std bands are unreadable
    small: dict[str, Any] = {"log": True, "width": 280, "height": 150, **_shared_range(layer_series)}
    per_layer: list[Chart] = [(str(s["label"]), [s], small) for s in layer_series]
    activations = Panel(
        text("run.dashboard.panel.activations"),
        *(per_layer or [("", [], {"log": True, **no_inspect})]),
        multiples=bool(per_layer),
    )
    spectral = [{"label": name, "x": xs, "y": ys} for name, (xs, ys) in _nested(records, "spectral_norms").items()]
    rsteps, regular = _column(records, "val_loss_regular")
    isteps, irregular = _column(records, "val_loss_irregular")
    lr = [{"label": text("run.dashboard.panel.lr"), "x": steps, "y": _column(records, "lr")[1]}]
    grad_norm = [{"label": text("run.dashboard.grad_norm"), "x": steps, "y": _column(records, "grad_norm")[1]}]
    classes = [
        {"label": text("run.dashboard.regular"), "x": rsteps, "y": regular},
        {"label": text("run.dashboard.irregular"), "x": isteps, "y": irregular},
    ]
    return [
        Panel(text("run.dashboard.panel.loss"), ("", loss_series, {"log": True, **no_data})),
        Panel(text("run.dashboard.panel.lr"), ("", lr, {"y_min": 0.0, **no_data})),
        Panel(text("run.dashboard.panel.grad_norm"), ("", grad_norm, {"log": True, **no_data})),
        activations,
        Panel(text("run.dashboard.panel.spectral"), ("", spectral, no_inspect)),
        unit_health(records),
        Panel(text("run.dashboard.panel.classes"), ("", classes, no_data)),
    ]


STYLE = (
    "body{font-family:sans-serif;margin:24px;color:#222}"
    ".grid{stroke:#e4e4e4}.frame{fill:none;stroke:#999}.nan{fill:#d62728}"
    "svg text{font-size:11px;font-family:sans-serif;fill:#444}.empty{fill:#999;font-size:14px}"
    ".panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:20px 16px;align-items:start}"
    "figure{margin:0}figure.tall{grid-row:span 2}figcaption{font-weight:bold;margin:4px 0}"
    ".multiples{display:flex;flex-wrap:wrap;max-width:580px}"
    ".subtitle{font-size:13px;margin:8px 0 2px}"
    ".legend{list-style:none;padding:0;margin:2px 0 0 64px;display:flex;flex-wrap:wrap;gap:2px 14px;"
    "font-size:11px;max-width:484px}"
    ".swatch{display:inline-block;width:14px;margin:0 4px 3px 0;border-top:3px solid}"
    ".swatch.dashed{border-top-style:dashed}"
    ".verdict{padding:12px;border-radius:6px;background:#eef}.verdict.bad{background:#fee}"
)


def render(run_dir: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """The page's HTML and the doctor's verdict, from the run folder's log and manifest."""
    records = read_log(run_dir)
    baseline = baseline_for(run_dir) if (Path(run_dir) / MANIFEST).exists() else None
    verdict = diagnose(records, baseline, math.log(CharTokenizer.from_corpus().vocab_size))
    figures = "".join(panel.html(i) for i, panel in enumerate(panels(records, baseline), start=1))
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
