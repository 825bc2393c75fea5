"""Built-in datasets: plain NumPy arrays, no downloads.

``minigrad.data.verbs``: predict the tense of a conjugated English (or
Spanish) phrase; see :func:`minigrad.data.verbs.load_verbs`.
``minigrad.data.corpus``: the phase 12 corpus (360 cells) and its character tokenizer.
"""

from . import corpus, verbs
from .corpus import CharTokenizer
from .verbs import PERSONS, TENSES, VERBS, VerbsDataset, load_verbs

__all__ = ["PERSONS", "TENSES", "VERBS", "CharTokenizer", "VerbsDataset", "corpus", "load_verbs", "verbs"]
