"""What several breaks of one family share in their probes and checks (``shared/<family>.py``).

The breaks themselves are folders under ``breaks/catalog/``; their ``probe.py`` and ``checks.py`` import from here.
"""
