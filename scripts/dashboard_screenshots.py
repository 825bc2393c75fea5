"""Train a small inspected run and save full-page screenshots of its dashboard, in English and Spanish.

    uv run --group test python scripts/dashboard_screenshots.py                      # a healthy run
    uv run --group test python scripts/dashboard_screenshots.py --break no-warmup    # one engineered failure

The run trains under ``minigrad.breaks.inject(ID)`` when ``--break ID`` is
given (``bad-init-scale``, ``no-warmup``, ``causal-mask-all-ones``), writes
its ``dashboard.html`` in each language and saves
``docs/screenshots/dashboard-<healthy|ID>-<en|es>.png``, then prints the run
doctor's verdict.  ``--run-dir DIR`` keeps the run folder (default: a
temporary one); ``--from-run DIR`` skips training and shoots an existing run.

The configuration is a preset (:data:`PRESETS`): the healthy run is the
course's MiniGPT for 300 steps; each failure runs the configuration its
break's own case runs (``breaks/catalog/<ID>/cases/short-run.py``: the one
where the failure shows, e.g. peak rate 0.3 for ``no-warmup``), validated
more often so that its validation curve has points.  Every ``LoopConfig``
field can be set (``--lr 1e-2``, ``--n-layers 1``, ...).

It lives in ``scripts/``, not ``benchmarks/``: it makes documentation and
measures nothing.  The browser is the system's Chromium (``/usr/bin/chromium``,
Debian's ``chromium`` package), driven by Playwright for Python with no
browser download; ``tests/test_dashboard_browser.py`` uses :func:`chromium`
and :func:`screenshot` from here, so what the screenshots show is what the
test checks.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("MINIGRAD_CHROMIUM", "/usr/bin/chromium"))
# Nothing but the page: no sandbox (root in CI), no GPU, and none of Chromium's own calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
# The configuration of each screenshot's run; an option given on the command line wins.  The failures' are their
# breaks' short-run cases (validation every few steps here, which changes no weight: it runs under no_grad).
_SMALL = {"batch_size": 8, "n_layers": 1, "held_out_per_verb": 1}
PRESETS: dict[str, dict[str, Any]] = {
    "healthy": {"steps": 300, "warmup_steps": 30, "lr": 3e-3, "val_every": 25},
    "bad-init-scale": {
        **_SMALL, "steps": 30, "warmup_steps": 5, "lr": 3e-3, "min_lr": 3e-4, "d_model": 32, "n_heads": 2,
        "d_ff": 64, "val_every": 5,
    },
    "no-warmup": {
        **_SMALL, "steps": 40, "warmup_steps": 20, "lr": 0.3, "min_lr": 1e-3, "d_model": 32, "n_heads": 2,
        "d_ff": 64, "val_every": 5,
    },
    "causal-mask-all-ones": {
        **_SMALL, "steps": 100, "warmup_steps": 10, "lr": 1e-2, "min_lr": 1e-3, "d_model": 64, "n_heads": 4,
        "d_ff": 128, "val_every": 10,
    },
}  # fmt: skip
SHOTS = ROOT / "docs" / "screenshots"
LANGS = ("en", "es")


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A fresh headless Chromium context (its own temporary profile), from the system's binary."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: install Debian's Chromium (apt-get install -y --no-install-recommends chromium) "
            "or point MINIGRAD_CHROMIUM at a Chromium binary"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ImportError("Playwright is missing: run this with `uv run --group test python ...`") from None
    with tempfile.TemporaryDirectory(prefix="minigrad-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def screenshot(context: Any, page_path: Path, png: Path) -> None:
    """Open ``page_path`` (file:// URL) in ``context`` and save a full-page PNG at ``png``."""
    page = context.new_page()
    try:
        page.goto(page_path.resolve().as_uri())
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png), full_page=True)
    finally:
        page.close()


def run_config(preset: str, args: argparse.Namespace) -> Any:
    """The preset's ``LoopConfig``, with every option given on the command line over it."""
    from dataclasses import fields

    from minigrad.training.loop import LoopConfig

    chosen = {**PRESETS.get(preset, PRESETS["healthy"])}
    given = {f.name: getattr(args, f.name, None) for f in fields(LoopConfig)}
    chosen.update({name: value for name, value in given.items() if value is not None})
    chosen["checkpoint_every"] = chosen.get("steps", LoopConfig.steps)  # one checkpoint, at the end
    return LoopConfig(**{**chosen, "inspect": True})


def train_run(run_dir: Path, break_id: str | None, args: argparse.Namespace) -> None:
    """An inspected run of MiniGPT in ``run_dir``, under the break when one is named."""
    from minigrad import breaks
    from minigrad.training.loop import train

    config = run_config(break_id or "healthy", args)
    print(f"{break_id or 'healthy'}: {config}", file=sys.stderr)
    with breaks.inject(break_id) if break_id else contextlib.nullcontext():

        def progress(step: int, record: dict[str, Any]) -> None:
            if step % 25 == 0 or step == config.steps:
                print(f"  step {step}: loss {record['loss']:.4g}", file=sys.stderr)

        train(config, run_dir, progress)


def shoot(run_dir: Path, label: str, out: Path) -> list[Path]:
    """Write the run's dashboard in each language and screenshot it; return the PNGs."""
    from minigrad.dashboard import verdict_line, write_dashboard
    from minigrad.messages import using_lang

    saved = []
    with chromium() as context:
        for lang in LANGS:
            with using_lang(lang):
                page, verdict = write_dashboard(run_dir)
                print(f"{lang}: {verdict_line(verdict)}")
            png = out / f"dashboard-{label}-{lang}.png"
            screenshot(context, page, png)
            saved.append(png)
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--break", dest="break_id", metavar="ID", help="train under minigrad.breaks.inject(ID)")
    from dataclasses import fields

    from minigrad.training.loop import LoopConfig

    for field in fields(LoopConfig):
        if field.name not in ("inspect", "checkpoint_every"):
            kind = float if isinstance(field.default, float) else int
            parser.add_argument("--" + field.name.replace("_", "-"), type=kind, help=f"(preset or {field.default})")
    parser.add_argument("--run-dir", type=Path, help="keep the run here (default: a temporary folder)")
    parser.add_argument("--from-run", type=Path, help="no training: screenshot this existing run folder")
    parser.add_argument("--out", type=Path, default=SHOTS, help="where the PNGs go (default docs/screenshots)")
    parser.add_argument(
        "--label",
        help="the PNGs' middle name (default: the break's id, else the --from-run folder's name, else healthy)",
    )
    args = parser.parse_args()
    label = args.label or args.break_id or (args.from_run.name if args.from_run else "healthy")
    if args.break_id:
        from minigrad import breaks

        try:
            breaks.get(args.break_id)
        except breaks.BreakError as error:  # before minutes of training, not after
            print(f"dashboard_screenshots: {error}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="minigrad-shots-") as scratch:
        if args.from_run is not None:
            run_dir = args.from_run
        else:
            # a neutral folder name: it is the page's title, and it should neither read as English on the
            # Spanish page nor give the failure away
            run_dir = args.run_dir or Path(scratch) / "minigpt"
            train_run(run_dir, args.break_id, args)
        for png in shoot(run_dir, label, args.out):
            print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
