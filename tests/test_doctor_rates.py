"""The doctor names the right break for each catalog bug written into each test engine (tests/engines/mutations.py).

An evaluation, not a unit test: the mutants' rates run in the slow group (``pytest -m slow``); the scorer's
own unit tests (tests/test_doctor_diagnosis.py) run on stored outcomes in milliseconds.

Required, for each engine style on its own: the right break ranked first in at
least 90% of the mutants, in the top three in at least 98%.  The rates per engine style, the time per
examination and every misdiagnosed mutant are printed (``pytest -s``).
"""

import time
from collections import defaultdict
from pathlib import Path

import pytest
from engines.mutations import MUTATIONS

from minigrad.doctor import examine

ENGINES = Path(__file__).parent / "engines"


def test_every_mutation_edits_its_engine_exactly_as_written() -> None:
    for mutation in MUTATIONS:
        source = (ENGINES / mutation.engine).read_text()
        assert mutation.apply(source) != source, mutation.name
        compile(mutation.apply(source), mutation.engine, "exec")


STYLES = sorted({m.engine for m in MUTATIONS})


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)  # one test per engine style, so that pytest-xdist can spread them
def test_mutants_are_diagnosed_at_the_required_rates(tmp_path: Path, style: str) -> None:
    ranks: dict[str, list[int | None]] = defaultdict(list)
    misses, seconds = [], []
    for mutation in (m for m in MUTATIONS if m.engine == style):
        folder = tmp_path / mutation.name.replace("/", "-")
        folder.mkdir()
        (folder / mutation.engine).write_text(mutation.apply((ENGINES / mutation.engine).read_text()))
        started = time.perf_counter()
        # The 100,000-op chain gets 4 s here (a timeout there is "too slow", never a failure): the recursive
        # walks fail at once, and the suite stays short.
        report = examine(f"{mutation.engine}:{mutation.target}", cwd=str(folder), limits={"deep-100000": 4.0})
        seconds.append(time.perf_counter() - started)
        ids = [c.break_id for c in report.diagnosis]
        right = {mutation.break_id, *mutation.also_right}
        rank = next((i for i, b in enumerate(ids) if b in right), None)
        ranks[mutation.engine].append(rank)
        print(f"{mutation.name}: rank {rank}, {seconds[-1]:.1f} s", flush=True)
        if rank != 0:
            top = [(c.break_id, c.score) for c in report.diagnosis[:3]]
            misses.append(
                f"{mutation.name}: ranked {rank}; top three {top}; failing {[c.id for c in report.failing()]}"
            )
    everything = [r for rs in ranks.values() for r in rs]
    first = sum(r == 0 for r in everything) / len(everything)
    top3 = sum(r is not None and r < 3 for r in everything) / len(everything)
    for engine, rs in ranks.items():
        print(
            f"{engine}: {len(rs)} mutants, first {sum(r == 0 for r in rs)}/{len(rs)}, "
            f"top three {sum(r is not None and r < 3 for r in rs)}/{len(rs)}"
        )
    print(
        f"all: {len(everything)} mutants, first {first:.1%}, top three {top3:.1%}; "
        f"examination {min(seconds):.1f}-{max(seconds):.1f} s (mean {sum(seconds) / len(seconds):.1f} s)"
    )
    print("\n".join(misses) or "no mutant misdiagnosed")
    assert first >= 0.90, misses
    assert top3 >= 0.98, misses
