"""Built-in datasets: plain NumPy arrays, no downloads.

``minigrad.data.verbs``: predict the tense of a conjugated English (or
Spanish) phrase; see :func:`minigrad.data.verbs.load_verbs`.
"""

from . import verbs
from .verbs import PERSONS, TENSES, VERBS, VerbsDataset, load_verbs

__all__ = ["PERSONS", "TENSES", "VERBS", "VerbsDataset", "load_verbs", "verbs"]
