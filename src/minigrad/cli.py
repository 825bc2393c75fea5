"""The ``minigrad`` command line: ``minigrad breaks ...`` and ``minigrad train ...``.

Each subcommand lives with its feature and is imported only when used, so
that ``minigrad breaks list`` never loads the training code (or its optional
dependencies).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: minigrad <command> [options]

commands:
  breaks      the breaks lab: list, show, run and verify classic autograd bugs
  train       train an MLP on the built-in verb-conjugation dataset
  experiment  phase 10 experiments: init, norm and residual ablations, with plots

Where to start: `minigrad breaks list` shows the breaks by course phase; begin with phase 7's
`minigrad breaks run value-assign-not-accumulate`.
Run `minigrad <command> --help` for a command's options."""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "breaks":
        from .breaks.cli import main as breaks_main

        return breaks_main(rest)
    if command == "train":
        from .training.cli import train_main

        return train_main(rest)
    if command == "experiment":
        from .training.cli import experiment_main

        return experiment_main(rest)
    print(f"minigrad: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
