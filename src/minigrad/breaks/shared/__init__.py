"""What several breaks of one family share in their probes and checks: ``shared/<family>_<role>.py``
(``attention_probes.py``, ``engine_checks.py``), plus the learner-style engine and the modules' helpers.

The breaks themselves are folders under ``breaks/catalog/``; their ``probe.py`` and ``checks.py`` import from here.
"""
