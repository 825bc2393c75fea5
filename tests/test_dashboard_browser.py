"""The dashboard in a real browser: headless Chromium (Debian's package) driven by Playwright, in English and Spanish.

The page of a tiny real run fails here if it logs a console error, if any
chart of any panel has no drawn data (counted in the DOM as Chromium built
it), if it asks for anything but its own file (every other request is routed
to a handler that records and aborts it), or if the Spanish page shows an
English word.  Each page's screenshot is saved in the test's tmp folder.

Without ``/usr/bin/chromium`` the test fails under CI (``CI`` set: ``.ci/run``
installs Chromium, so a missing one is a broken setup) and is skipped with the
reason elsewhere: no skipped test stands in for a passing one where it matters.
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from minigrad import dashboard
from minigrad.messages import using_lang
from minigrad.training import loop

pytestmark = pytest.mark.slow  # a real run, then a browser start (about 3 s alone)

ROOT = Path(__file__).resolve().parent.parent

# Words of the English page that a Spanish reader must not see (labels, titles, the verdict; not the words both
# languages share: global, regular, MLP).  Tokens that hold ".", "_", "[" or a digit are identifiers
# (blocks.0.attn[1], tok_emb) and are not read as words.
ENGLISH_WORDS = {
    "loss", "train", "training", "validation", "baseline", "trigram", "character", "scale", "dashed",
    "learning", "rate", "gradient", "norm", "before", "clipping", "mean", "activation", "layer",
    "band", "std", "spectral", "weight", "matrix", "power", "iteration", "units", "dead", "entropy", "head",
    "key", "ratio", "ratios", "verbs", "irregular", "step", "run", "healthy", "data", "the", "and", "of",
    "each", "per", "with", "whole", "batch", "hidden",
}  # fmt: skip


def _screenshots_module() -> ModuleType:
    """``scripts/dashboard_screenshots.py``: its browser launch is the one this test checks."""
    path = ROOT / "scripts" / "dashboard_screenshots.py"
    spec = importlib.util.spec_from_file_location("dashboard_screenshots", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SHOTS = _screenshots_module()


def _require_chromium() -> None:
    if SHOTS.CHROMIUM.exists():
        return
    reason = (
        f"{SHOTS.CHROMIUM} is missing: the dashboard's browser test needs Debian's Chromium "
        "(apt-get install -y --no-install-recommends chromium; .ci/run installs it)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason + " -- CI is set, so this is a failure, not a skip")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny real inspected run, and its dashboard written in each language."""
    folder = tmp_path_factory.mktemp("browser-run")
    config = loop.LoopConfig(
        steps=30, warmup_steps=5, d_model=16, n_layers=1, batch_size=4, val_every=6, lr=3e-3, inspect=True
    )
    loop.train(config, folder)
    written = {}
    for lang in ("en", "es"):
        with using_lang(lang):
            page, _ = dashboard.render(folder)
        written[lang] = folder / f"dashboard-{lang}.html"
        written[lang].write_text(page, "utf-8")
    return written


class Watched:
    """What one page did in the browser: console errors, uncaught exceptions, requests for anything not a file."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_chromium()
    with SHOTS.chromium() as context:
        yield context


def _open(context: Any, path: Path) -> tuple[Any, Watched]:
    watched = Watched()
    page = context.new_page()

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            watched.requests.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and watched.errors.append(message.text))
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, watched


# every chart of every panel: how many drawn data marks (lines and points) it has
COUNT_DRAWN = """() => Array.from(document.querySelectorAll('figure[data-panel]')).map(figure => ({
    panel: figure.dataset.panel,
    charts: Array.from(figure.querySelectorAll('svg')).map(svg =>
        svg.querySelectorAll('polyline.data, circle.data').length),
}))"""


def _words(visible: str) -> set[str]:
    tokens = (t.strip("()[],.:;!?¡¿|±=<>\"'/+-*") for t in visible.split())
    return {t.lower() for t in tokens if t and not re.search(r"[._\[\]\d]", t)}


def test_the_harness_sees_console_errors_and_network_requests(browser: Any, tmp_path: Path) -> None:
    # the checks below can fail: a page that logs an error and asks the network for an image is caught
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.invalid/x.png">'
        "<script>console.error('boom')</script></body></html>",
        "utf-8",
    )
    page, watched = _open(browser, bad)
    page.close()
    assert watched.requests == ["http://example.invalid/x.png"]
    # the blocked image may log "Failed to load resource" before or after the script runs: order is the browser's
    assert any("boom" in error for error in watched.errors), watched.errors


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_dashboard_in_chromium(browser: Any, pages: dict[str, Path], lang: str, tmp_path: Path) -> None:
    start = time.perf_counter()
    page, watched = _open(browser, pages[lang])
    try:
        drawn = page.evaluate(COUNT_DRAWN)
        visible = page.inner_text("body")
        html_lang = page.evaluate("document.documentElement.lang")
        shot = tmp_path / f"dashboard-{lang}.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        page.close()
    print(f"{lang}: opened, counted and shot in {time.perf_counter() - start:.2f} s; screenshot {shot}")
    assert watched.errors == [], f"console errors: {watched.errors}"
    assert watched.requests == [], f"network requests: {watched.requests}"
    assert [p["panel"] for p in drawn] == [str(i) for i in range(1, 8)]
    for p in drawn:
        assert p["charts"] and all(n > 0 for n in p["charts"]), f"panel {p['panel']} has a chart with no data: {p}"
    assert len(drawn[5]["charts"]) == 3  # panel 6: dead units, attention entropy, grad-to-weight ratios
    assert html_lang == lang
    assert shot.stat().st_size > 10_000
    english = _words(visible) & ENGLISH_WORDS
    if lang == "es":
        assert not english, f"English words on the Spanish page: {sorted(english)}"
        assert {"pérdida", "paso", "unidades", "entropía"} <= _words(visible)
    else:  # the word list does find English where there is some
        assert {"loss", "step", "dead", "entropy", "healthy"} <= english
