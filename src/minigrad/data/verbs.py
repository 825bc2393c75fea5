"""The course's built-in dataset: 20 English verbs, with their Spanish pair, in 5 tenses and 3 persons.

The task is to predict the **tense** of a conjugated phrase::

    "he has eaten"   -> present_perfect        (Spanish: "él ha comido")
    "you went"       -> past_simple            (Spanish: "tú fuiste")
    "to study"       -> infinitive             (Spanish: "estudiar")

Rows.  Every (verb, tense, person) triple is one row: 20 x 5 x 3 = 300.  The
infinitive has no person, so its three rows share one phrase ("to work" for
I, you and he); they are kept (the course's table has a row for every person)
and the train/validation split keeps rows with the same phrase on the same
side, so a validation phrase is never also a training phrase.

Why the input must be the conjugated phrase.  The course encodes a row as
``one_hot(verb) ⊕ one_hot(person)`` and asks for the tense.  That input does
not contain the tense: each of the 60 (verb, person) inputs appears with all 5
tenses, so no function of it can be right on more than one row per input: 60
of 300 rows (20%) on the whole table, 60 of 240 (25%) on the training split.
On held-out rows it does worse than chance, since the tense of a validation
row is exactly one its input was never seen with in training: a model that
answers with a tense it saw for the input scores 0% (``minigrad train
--encode course`` prints 0.0%, against 20% for chance).  ``encode="course"`` builds that
encoding so the failure can be shown.  The default, ``encode="ngrams"``,
describes the phrase itself by its character 1- to 3-grams ("wil", "ed ",
"has", "to "), which carry the tense, so it is learnable; the n-gram
vocabulary is built from the training split only.

Spanish choices (documented because English has one verb where Spanish has
two, or a different construction):

* be -> *ser* (identity: "soy"), not *estar*: the English has no complement
  to decide between them, and *ser* is the one a dictionary lists first.
* have -> *tener* (possession: "tengo"); *haber* is only the auxiliary of the
  perfect ("he comido").
* watch -> *mirar*, see -> *ver*, look -> *buscar* (as in "look for"): each
  English verb gets its own Spanish verb, since *mirar* is taken by watch and
  *ver* by see.
* like -> *gustar*, whose subject is the thing liked: "I like (it)" is "me
  gusta" ("it pleases me").  The person is the pronoun me/te/le and the verb
  stays in the 3rd person singular: "me gusta", "me gustó", "me ha gustado",
  "me gustará".
* Subject pronouns (yo, tú, él) are written out although Spanish usually
  drops them, so the person is visible as in English.
* *ser* and *ir* share the preterite ("yo fui" is both "I was" and "I
  went"); the split keeps such identical phrases together too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..messages import text

Array = npt.NDArray[Any]

VERBS: tuple[str, ...] = (
    "work", "play", "walk", "talk", "listen", "watch", "study", "finish", "start", "look", "want", "like",
    "be", "have", "do", "go", "come", "see", "eat", "write",
)  # fmt: skip
IRREGULAR_VERBS: tuple[str, ...] = VERBS[12:]
PERSONS: tuple[str, ...] = ("I", "you", "he")
TENSES: tuple[str, ...] = ("infinitive", "present", "past_simple", "present_perfect", "future")

# English: (3rd person singular present, past simple, past participle), written out for every verb.
ENGLISH_FORMS: dict[str, tuple[str, str, str]] = {
    "work": ("works", "worked", "worked"),
    "play": ("plays", "played", "played"),
    "walk": ("walks", "walked", "walked"),
    "talk": ("talks", "talked", "talked"),
    "listen": ("listens", "listened", "listened"),
    "watch": ("watches", "watched", "watched"),
    "study": ("studies", "studied", "studied"),
    "finish": ("finishes", "finished", "finished"),
    "start": ("starts", "started", "started"),
    "look": ("looks", "looked", "looked"),
    "want": ("wants", "wanted", "wanted"),
    "like": ("likes", "liked", "liked"),
    "be": ("is", "was", "been"),  # present and past of "be" also change with the person: see english()
    "have": ("has", "had", "had"),
    "do": ("does", "did", "done"),
    "go": ("goes", "went", "gone"),
    "come": ("comes", "came", "come"),
    "see": ("sees", "saw", "seen"),
    "eat": ("eats", "ate", "eaten"),
    "write": ("writes", "wrote", "written"),
}
_BE_PRESENT = {"I": "am", "you": "are", "he": "is"}
_BE_PAST = {"I": "was", "you": "were", "he": "was"}


@dataclass(frozen=True)
class SpanishVerb:
    """A Spanish verb's forms: present, preterite (yo, tú, él), past participle, future stem."""

    infinitive: str
    present: tuple[str, str, str]
    preterite: tuple[str, str, str]
    participle: str
    future_stem: str


def _regular(infinitive: str) -> SpanishVerb:
    """The regular -ar / -er / -ir conjugation (trabajar, comer, escribir)."""
    stem = infinitive[:-2]
    if infinitive.endswith("ar"):
        present, preterite, participle = ("o", "as", "a"), ("é", "aste", "ó"), "ado"
    else:  # -er and -ir share these three tenses
        present, preterite, participle = ("o", "es", "e"), ("í", "iste", "ió"), "ido"
    return SpanishVerb(
        infinitive,
        (stem + present[0], stem + present[1], stem + present[2]),
        (stem + preterite[0], stem + preterite[1], stem + preterite[2]),
        stem + participle,
        infinitive,  # the future adds é/ás/á to the whole infinitive
    )


SPANISH: dict[str, SpanishVerb] = {
    "work": _regular("trabajar"),
    "play": SpanishVerb("jugar", ("juego", "juegas", "juega"), ("jugué", "jugaste", "jugó"), "jugado", "jugar"),
    "walk": _regular("caminar"),
    "talk": _regular("hablar"),
    "listen": _regular("escuchar"),
    "watch": _regular("mirar"),
    "study": _regular("estudiar"),
    "finish": _regular("terminar"),
    "start": SpanishVerb(
        "empezar", ("empiezo", "empiezas", "empieza"), ("empecé", "empezaste", "empezó"), "empezado", "empezar"
    ),
    "look": SpanishVerb("buscar", ("busco", "buscas", "busca"), ("busqué", "buscaste", "buscó"), "buscado", "buscar"),
    "want": SpanishVerb("querer", ("quiero", "quieres", "quiere"), ("quise", "quisiste", "quiso"), "querido", "querr"),
    "like": _regular("gustar"),  # used only in the 3rd person singular, after me/te/le: see spanish()
    "be": SpanishVerb("ser", ("soy", "eres", "es"), ("fui", "fuiste", "fue"), "sido", "ser"),
    "have": SpanishVerb("tener", ("tengo", "tienes", "tiene"), ("tuve", "tuviste", "tuvo"), "tenido", "tendr"),
    "do": SpanishVerb("hacer", ("hago", "haces", "hace"), ("hice", "hiciste", "hizo"), "hecho", "har"),
    "go": SpanishVerb("ir", ("voy", "vas", "va"), ("fui", "fuiste", "fue"), "ido", "ir"),
    "come": SpanishVerb("venir", ("vengo", "vienes", "viene"), ("vine", "viniste", "vino"), "venido", "vendr"),
    "see": SpanishVerb("ver", ("veo", "ves", "ve"), ("vi", "viste", "vio"), "visto", "ver"),
    "eat": _regular("comer"),
    "write": SpanishVerb(
        "escribir", ("escribo", "escribes", "escribe"), ("escribí", "escribiste", "escribió"), "escrito", "escribir"
    ),
}
_ES_PRONOUN = {"I": "yo", "you": "tú", "he": "él"}
_ES_OBJECT_PRONOUN = {"I": "me", "you": "te", "he": "le"}  # for gustar
_ES_HABER = {"I": "he", "you": "has", "he": "ha"}
_ES_FUTURE_ENDING = {"I": "é", "you": "ás", "he": "á"}


def _check(verb: str, tense: str, person: str) -> None:
    if verb not in ENGLISH_FORMS:
        raise ValueError(text("data.verbs.unknown_verb", verb=verb, verbs=", ".join(VERBS)))
    if tense not in TENSES:
        raise ValueError(text("data.verbs.unknown_tense", tense=tense, tenses=", ".join(TENSES)))
    if person not in PERSONS:
        raise ValueError(text("data.verbs.unknown_person", person=person, persons=", ".join(PERSONS)))


def english(verb: str, tense: str, person: str) -> str:
    """The English phrase, e.g. ``english("eat", "present_perfect", "he") == "he has eaten"``."""
    _check(verb, tense, person)
    third, past, participle = ENGLISH_FORMS[verb]
    if tense == "infinitive":
        return f"to {verb}"
    if tense == "present":
        form = _BE_PRESENT[person] if verb == "be" else third if person == "he" else verb
    elif tense == "past_simple":
        form = _BE_PAST[person] if verb == "be" else past
    elif tense == "present_perfect":
        form = ("has " if person == "he" else "have ") + participle
    else:
        form = "will " + verb
    return f"{person} {form}"


def spanish(verb: str, tense: str, person: str) -> str:
    """The Spanish phrase, e.g. ``spanish("eat", "present_perfect", "he") == "él ha comido"``."""
    _check(verb, tense, person)
    v = SPANISH[verb]
    if tense == "infinitive":
        return v.infinitive
    if verb == "like":  # "me gusta": the verb agrees with the (unsaid) thing liked, always 3rd singular
        forms = {
            "present": v.present[2],
            "past_simple": v.preterite[2],
            "present_perfect": "ha " + v.participle,
            "future": v.future_stem + "á",
        }
        return f"{_ES_OBJECT_PRONOUN[person]} {forms[tense]}"
    i = PERSONS.index(person)
    if tense == "present":
        form = v.present[i]
    elif tense == "past_simple":
        form = v.preterite[i]
    elif tense == "present_perfect":
        form = f"{_ES_HABER[person]} {v.participle}"
    else:
        form = v.future_stem + _ES_FUTURE_ENDING[person]
    return f"{_ES_PRONOUN[person]} {form}"


@dataclass(frozen=True)
class VerbForm:
    """One row: the verb, person and tense, and the phrase in both languages."""

    verb: str
    person: str
    tense: str
    english: str
    spanish: str


def conjugations() -> list[VerbForm]:
    """All 300 rows, ordered by verb, then tense, then person."""
    return [
        VerbForm(verb, person, tense, english(verb, tense, person), spanish(verb, tense, person))
        for verb in VERBS
        for tense in TENSES
        for person in PERSONS
    ]


def phrase(row: VerbForm, language: str) -> str:
    if language == "en":
        return row.english
    if language == "es":
        return row.spanish
    raise ValueError(text("data.verbs.language", value=language))


# --------------------------------------------------------------------------- split


def split_indices(rows: list[VerbForm], val_fraction: float, seed: int, language: str = "en") -> tuple[Array, Array]:
    """Row indices ``(train, val)``: seeded, stratified by tense, identical phrases kept together.

    Within each tense the distinct phrases are shuffled with
    ``np.random.default_rng(seed)`` and ``round(val_fraction * n_phrases)``
    of them (with all their rows) go to validation, so every tense has the
    same share of validation rows.  Both index arrays are sorted.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(text("data.verbs.val_fraction", value=val_fraction))
    rng = np.random.default_rng(seed)
    val: list[int] = []
    for tense in TENSES:
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if row.tense == tense:
                groups.setdefault(phrase(row, language), []).append(i)
        keys = list(groups)
        n_val = round(val_fraction * len(keys))
        for j in rng.permutation(len(keys))[:n_val]:
            val.extend(groups[keys[j]])
    val_set = set(val)
    train_idx = np.array([i for i in range(len(rows)) if i not in val_set], dtype=np.int64)
    return train_idx, np.array(sorted(val), dtype=np.int64)


# --------------------------------------------------------------------------- encodings


def char_ngrams(text: str, ngram_range: tuple[int, int] = (1, 3)) -> set[str]:
    """The set of character n-grams of ``" " + text.lower() + " "`` (the spaces mark word edges: "ed ")."""
    padded = f" {text.lower()} "
    low, high = ngram_range
    return {padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)}


def ngram_vocabulary(phrases: list[str], ngram_range: tuple[int, int] = (1, 3)) -> list[str]:
    """Every n-gram of ``phrases``, sorted (so the feature order is the same on every run)."""
    return sorted(set().union(*(char_ngrams(p, ngram_range) for p in phrases)))


def encode_ngrams(phrases: list[str], vocabulary: list[str], ngram_range: tuple[int, int] = (1, 3)) -> Array:
    """Bag of n-grams: ``X[i, j] = 1`` if phrase ``i`` contains n-gram ``vocabulary[j]`` (unknown ones dropped)."""
    column = {g: j for j, g in enumerate(vocabulary)}
    X = np.zeros((len(phrases), len(vocabulary)), dtype=np.float64)
    for i, p in enumerate(phrases):
        for g in char_ngrams(p, ngram_range):
            j = column.get(g)
            if j is not None:
                X[i, j] = 1.0
    return X


def encode_course(rows: list[VerbForm]) -> Array:
    """The course's ``one_hot(verb) ⊕ one_hot(person)``: 23 columns, and no information about the tense."""
    X = np.zeros((len(rows), len(VERBS) + len(PERSONS)), dtype=np.float64)
    for i, row in enumerate(rows):
        X[i, VERBS.index(row.verb)] = 1.0
        X[i, len(VERBS) + PERSONS.index(row.person)] = 1.0
    return X


@dataclass(frozen=True)
class VerbsDataset:
    """A train/validation split, ready for a classifier: ``X`` float64, ``y`` int64 tense indices."""

    X_train: Array
    y_train: Array
    X_val: Array
    y_val: Array
    phrases_train: list[str]
    phrases_val: list[str]
    feature_names: list[str]
    tenses: tuple[str, ...] = TENSES
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.tenses)


def load_verbs(
    encode: str = "ngrams",
    *,
    language: str = "en",
    val_fraction: float = 0.2,
    seed: int = 0,
    ngram_range: tuple[int, int] = (1, 3),
) -> VerbsDataset:
    """The verbs task, split and encoded.

    ``encode="ngrams"`` (default): bag of character n-grams of the phrase in
    ``language`` ("en" or "es"), vocabulary from the training split.
    ``encode="course"``: one_hot(verb) ⊕ one_hot(person), which cannot
    predict the tense (see the module docstring).  The same arguments give
    the same arrays on every run.
    """
    if encode not in ("ngrams", "course"):
        raise ValueError(text("data.verbs.encode", value=encode))
    low, high = ngram_range
    if not 1 <= low <= high:
        raise ValueError(text("data.verbs.ngram_range", value=ngram_range))
    rows = conjugations()
    train_idx, val_idx = split_indices(rows, val_fraction, seed, language)
    train_rows, val_rows = [rows[i] for i in train_idx], [rows[i] for i in val_idx]
    phrases_train = [phrase(r, language) for r in train_rows]
    phrases_val = [phrase(r, language) for r in val_rows]
    if encode == "ngrams":
        names = ngram_vocabulary(phrases_train, ngram_range)
        X_train = encode_ngrams(phrases_train, names, ngram_range)
        X_val = encode_ngrams(phrases_val, names, ngram_range)
    else:
        names = [f"verb={v}" for v in VERBS] + [f"person={p}" for p in PERSONS]
        X_train, X_val = encode_course(train_rows), encode_course(val_rows)
    config = {
        "encode": encode,
        "language": language,
        "val_fraction": val_fraction,
        "seed": seed,
        "ngram_range": list(ngram_range),
    }
    return VerbsDataset(
        X_train=X_train,
        y_train=np.array([TENSES.index(r.tense) for r in train_rows], dtype=np.int64),
        X_val=X_val,
        y_val=np.array([TENSES.index(r.tense) for r in val_rows], dtype=np.int64),
        phrases_train=phrases_train,
        phrases_val=phrases_val,
        feature_names=names,
        config=config,
    )
