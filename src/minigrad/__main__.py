"""``python -m minigrad ...``: the same command line as the ``minigrad`` script."""

from .cli import main

raise SystemExit(main())
