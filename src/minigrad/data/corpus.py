"""The course's canonical corpus (phase 12): 20 verbs x 6 tense surfaces x 3 persons = 360 cells.

Every cell is one (verb, tense, person) with its English and Spanish phrase,
built from :mod:`minigrad.data.verbs` (the same 20 verbs and their forms; no
second copy of them).  Four tenses come straight from there (present, past,
present perfect, future); two more are derived from the same forms:

* conditional: "he would eat" / "él comería" (the Spanish future stem + ía),
* going-to: "he is going to eat" / "él va a comer" (the present of *be* /
  of *ir*, then the infinitive).

The infinitive of :mod:`~minigrad.data.verbs` is left out: it has no person.
The tense tags of each language live in ``corpus_tenses.json`` beside this
file.

A cell becomes one line of text for a character-level language model::

    eat, perfect: he has eaten          comer, perfecto: él ha comido

and its **prompt** is the line without its last word ("eat, perfect: he has ")
and its **completion** that word ("eaten").  A *paradigm line* puts the cells
of one verb and tense together, in any order (what ``minigrad train gpt``
trains on)::

    eat, perfect: you have eaten, I have eaten, he has eaten

and :func:`paradigm_prompt` asks for a held-out cell after the other persons:
"eat, perfect: I have eaten, you have eaten, he has " -> "eaten".  The held-out cells are chosen
among the tenses whose last word every person shares (perfect, future,
conditional, going-to): a held-out cell's answer can be inferred from the
same verb's other persons, which the model did see (in English the very
same word; in Spanish the same participle or infinitive, or the same future
stem with the person's ending, -é/-ás/-á, -ía/-ías/-ía, seen on other verbs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import messages
from .verbs import PERSONS, SPANISH, VERBS, english, spanish

Array = npt.NDArray[Any]

_TENSE_DATA: list[dict[str, str]] = json.loads((Path(__file__).parent / "corpus_tenses.json").read_text("utf-8"))[
    "tenses"
]
CORPUS_TENSES: tuple[str, ...] = tuple(t["id"] for t in _TENSE_DATA)
TENSE_TAGS: dict[str, dict[str, str]] = {lang: {t["id"]: t[lang] for t in _TENSE_DATA} for lang in ("en", "es")}
# Tenses whose last word is the same for every person: the ones a held-out cell is drawn from.
SHARED_LAST_WORD_TENSES: tuple[str, ...] = ("present_perfect", "future", "conditional", "going_to")
LANGUAGES: tuple[str, ...] = ("en", "es")

_ES_CONDITIONAL_ENDING = {"I": "ía", "you": "ías", "he": "ía"}


def _english(verb: str, tense: str, person: str) -> str:
    if tense == "conditional":
        return f"{person} would {verb}"
    if tense == "going_to":
        return f"{english('be', 'present', person)} going to {verb}"
    return english(verb, tense, person)


def _spanish(verb: str, tense: str, person: str) -> str:
    if tense not in ("conditional", "going_to"):
        return spanish(verb, tense, person)
    pronoun = spanish(verb, "present", person).split()[0]  # yo/tú/él, or me/te/le for gustar
    forms = SPANISH[verb]
    if tense == "conditional":
        ending = "ía" if verb == "like" else _ES_CONDITIONAL_ENDING[person]  # "me gustaría": always 3rd singular
        return f"{pronoun} {forms.future_stem}{ending}"
    ir = "va" if verb == "like" else spanish("go", "present", person).split()[1]  # "me va a gustar"
    return f"{pronoun} {ir} a {forms.infinitive}"


@dataclass(frozen=True)
class Cell:
    """One (verb, tense, person) cell with its phrase in both languages."""

    verb: str
    tense: str
    person: str
    english: str
    spanish: str

    def phrase(self, language: str) -> str:
        return self.english if _language(language) == "en" else self.spanish

    def line(self, language: str) -> str:
        """``"<infinitive>, <tense tag>: <phrase>"``, e.g. ``"eat, perfect: he has eaten"``."""
        infinitive = self.verb if _language(language) == "en" else SPANISH[self.verb].infinitive
        return f"{infinitive}, {TENSE_TAGS[language][self.tense]}: {self.phrase(language)}"

    def prompt(self, language: str) -> str:
        """The line up to its last word, ending with a space: ``"eat, perfect: he has "``."""
        line = self.line(language)
        return line[: line.rindex(" ") + 1]

    def completion(self, language: str) -> str:
        """The line's last word: ``"eaten"``."""
        return self.line(language).rsplit(" ", 1)[1]


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(messages.text("data.corpus.language", value=language))
    return language


def cells() -> list[Cell]:
    """All 360 cells, ordered by verb, then tense, then person."""
    return [
        Cell(verb, tense, person, _english(verb, tense, person), _spanish(verb, tense, person))
        for verb in VERBS
        for tense in CORPUS_TENSES
        for person in PERSONS
    ]


def held_out_split(per_verb: int = 2, seed: int = 0) -> tuple[list[Cell], list[Cell]]:
    """``(train, held_out)``: ``per_verb`` cells of each verb held out, drawn with ``default_rng(seed)``.

    Held-out cells come from :data:`SHARED_LAST_WORD_TENSES`, at most one per
    (verb, tense), so that the other persons of that verb and tense, which
    carry the same last word, stay in training.
    """
    if isinstance(per_verb, bool) or not isinstance(per_verb, int) or not 1 <= per_verb <= 4:
        raise ValueError(messages.text("data.corpus.per_verb", value=per_verb))
    rng = np.random.default_rng(seed)
    all_cells = cells()
    held: set[tuple[str, str, str]] = set()
    for verb in VERBS:
        tenses = rng.permutation(len(SHARED_LAST_WORD_TENSES))[:per_verb]
        for t in tenses:
            held.add((verb, SHARED_LAST_WORD_TENSES[t], PERSONS[int(rng.integers(len(PERSONS)))]))
    train = [c for c in all_cells if (c.verb, c.tense, c.person) not in held]
    held_out = [c for c in all_cells if (c.verb, c.tense, c.person) in held]
    return train, held_out


def paradigm_line(group: Sequence[Cell], language: str) -> str:
    """Cells of one verb and tense on one line, in the given order: ``"eat, perfect: I have eaten, he has eaten"``."""
    if not group or len({(c.verb, c.tense) for c in group}) != 1:
        raise ValueError(messages.text("data.corpus.paradigm"))
    head = group[0].line(language)
    head = head[: head.index(": ") + 2]
    return head + ", ".join(c.phrase(language) for c in group)


def paradigm_prompt(context: Sequence[Cell], cell: Cell, language: str) -> str:
    """The paradigm line of ``context`` then ``cell``, cut before ``cell``'s last word (its completion)."""
    line = paradigm_line([*context, cell], language)
    return line[: len(line) - len(cell.completion(language))]


def paradigm_groups(train: Sequence[Cell]) -> list[list[Cell]]:
    """The training cells grouped by (verb, tense), persons in the corpus' order: 2 or 3 cells per group."""
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in train:
        groups.setdefault((cell.verb, cell.tense), []).append(cell)
    return list(groups.values())


# --------------------------------------------------------------------------- tokenizer

PAD = "\x00"  # padding symbol: id 0, never in text
NEWLINE = "\n"  # starts and ends every line


class CharTokenizer:
    """A character-level tokenizer: one id per symbol, id 0 for padding.

    ``CharTokenizer.from_corpus()`` takes every character of the corpus in
    both languages, plus padding and the newline that starts and ends a line:
    fewer than 64 symbols, so it fits the course's ``vocab_size=64``.
    """

    def __init__(self, symbols: Sequence[str]) -> None:
        symbols = list(symbols)
        if any(len(s) != 1 for s in symbols) or len(set(symbols)) != len(symbols):
            raise ValueError(messages.text("data.corpus.symbols_distinct"))
        if not symbols or symbols[0] != PAD:
            raise ValueError(messages.text("data.corpus.symbols_pad"))
        self.symbols: tuple[str, ...] = tuple(symbols)
        self._ids = {s: i for i, s in enumerate(symbols)}

    @classmethod
    def from_corpus(cls) -> CharTokenizer:
        text = "".join(c.line(lang) for c in cells() for lang in LANGUAGES)
        return cls([PAD, NEWLINE, *sorted(set(text) - {NEWLINE})])

    @property
    def vocab_size(self) -> int:
        return len(self.symbols)

    @property
    def pad_id(self) -> int:
        return 0

    def encode(self, text: str) -> list[int]:
        unknown = sorted({ch for ch in text if ch not in self._ids or ch == PAD})
        if unknown:
            raise ValueError(
                messages.text(
                    "data.corpus.unknown_characters",
                    unknown=unknown,
                    size=self.vocab_size,
                    characters="".join(self.symbols[1:]),
                )
            )
        return [self._ids[ch] for ch in text]

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``; padding ids are dropped."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < self.vocab_size:
                raise ValueError(messages.text("data.corpus.id_range", id=i, last=self.vocab_size - 1))
            if i != 0:
                out.append(self.symbols[i])
        return "".join(out)


def encode_lines(lines: Sequence[str], tokenizer: CharTokenizer, length: int) -> Array:
    """``(len(lines), length)`` int64 ids of ``"\\n" + line + "\\n"``, padded with id 0 on the right."""
    out = np.zeros((len(lines), length), dtype=np.int64)
    for i, line in enumerate(lines):
        ids = tokenizer.encode(NEWLINE + line + NEWLINE)
        if len(ids) > length:
            raise ValueError(messages.text("data.corpus.line_too_long", line=line, needed=len(ids), length=length))
        out[i, : len(ids)] = ids
    return out
