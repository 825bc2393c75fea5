"""minigrad.data.verbs: counts, hand-checked conjugations in both languages, the split and the encodings."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from minigrad.data import verbs
from minigrad.data.verbs import PERSONS, TENSES, VERBS, english, load_verbs, spanish

COURSE_VERBS = [
    "work", "play", "walk", "talk", "listen", "watch", "study", "finish", "start", "look", "want", "like",
    "be", "have", "do", "go", "come", "see", "eat", "write",
]  # fmt: skip


def test_counts_20_verbs_5_tenses_3_persons() -> None:
    rows = verbs.conjugations()
    assert len(rows) == 20 * 5 * 3
    assert list(VERBS) == COURSE_VERBS
    assert Counter((r.verb, r.tense, r.person) for r in rows) == Counter(
        {(v, t, p): 1 for v in COURSE_VERBS for t in TENSES for p in PERSONS}
    )
    assert Counter(r.tense for r in rows) == {t: 60 for t in TENSES}
    # The infinitive has no person: its three rows share one phrase in each language.
    for v in COURSE_VERBS:
        assert {r.english for r in rows if r.verb == v and r.tense == "infinitive"} == {f"to {v}"}
        assert len({r.spanish for r in rows if r.verb == v and r.tense == "infinitive"}) == 1
    # Every other English phrase is unique.
    finite = [r.english for r in rows if r.tense != "infinitive"]
    assert len(set(finite)) == len(finite) == 240


@pytest.mark.parametrize(
    ("verb", "tense", "person", "expected"),
    [
        ("work", "infinitive", "he", "to work"),
        ("work", "present", "I", "I work"),
        ("work", "present", "he", "he works"),
        ("watch", "present", "he", "he watches"),
        ("finish", "present", "he", "he finishes"),
        ("study", "present", "he", "he studies"),
        ("study", "past_simple", "you", "you studied"),
        ("play", "past_simple", "he", "he played"),
        ("like", "past_simple", "I", "I liked"),
        ("like", "present_perfect", "he", "he has liked"),
        ("be", "present", "I", "I am"),
        ("be", "present", "you", "you are"),
        ("be", "present", "he", "he is"),
        ("be", "present_perfect", "you", "you have been"),
        ("have", "present", "he", "he has"),
        ("have", "present_perfect", "he", "he has had"),
        ("do", "present", "he", "he does"),
        ("go", "present", "he", "he goes"),
        ("go", "present_perfect", "I", "I have gone"),
        ("come", "present_perfect", "you", "you have come"),
        ("see", "present_perfect", "he", "he has seen"),
        ("eat", "present_perfect", "he", "he has eaten"),
        ("write", "present_perfect", "I", "I have written"),
        ("do", "present_perfect", "I", "I have done"),
        ("go", "future", "I", "I will go"),
        ("be", "future", "he", "he will be"),
    ],
)
def test_english_hand_checked(verb: str, tense: str, person: str, expected: str) -> None:
    assert english(verb, tense, person) == expected


def test_english_irregular_past() -> None:
    expected = {"have": "had", "do": "did", "go": "went", "come": "came", "see": "saw", "eat": "ate", "write": "wrote"}
    for verb, past in expected.items():
        assert [english(verb, "past_simple", p) for p in PERSONS] == [f"I {past}", f"you {past}", f"he {past}"]
    assert [english("be", "past_simple", p) for p in PERSONS] == ["I was", "you were", "he was"]
    regular = [v for v in COURSE_VERBS if v not in expected and v != "be"]
    assert all(english(v, "past_simple", "I").endswith("ed") for v in regular)


@pytest.mark.parametrize(
    ("verb", "tense", "person", "expected"),
    [
        ("work", "infinitive", "I", "trabajar"),
        ("work", "present", "I", "yo trabajo"),
        ("work", "present", "you", "tú trabajas"),
        ("work", "present", "he", "él trabaja"),
        ("work", "past_simple", "I", "yo trabajé"),
        ("work", "past_simple", "he", "él trabajó"),
        ("work", "present_perfect", "you", "tú has trabajado"),
        ("work", "future", "he", "él trabajará"),
        ("play", "present", "he", "él juega"),
        ("play", "past_simple", "I", "yo jugué"),
        ("start", "present", "you", "tú empiezas"),
        ("start", "past_simple", "I", "yo empecé"),
        ("look", "past_simple", "I", "yo busqué"),
        ("look", "past_simple", "you", "tú buscaste"),
        ("want", "present", "he", "él quiere"),
        ("want", "past_simple", "I", "yo quise"),
        ("want", "future", "I", "yo querré"),
        ("like", "infinitive", "he", "gustar"),
        ("like", "present", "I", "me gusta"),
        ("like", "past_simple", "you", "te gustó"),
        ("like", "present_perfect", "he", "le ha gustado"),
        ("like", "future", "I", "me gustará"),
        ("be", "present", "I", "yo soy"),
        ("be", "present", "you", "tú eres"),
        ("be", "past_simple", "you", "tú fuiste"),
        ("be", "present_perfect", "he", "él ha sido"),
        ("have", "present", "I", "yo tengo"),
        ("have", "past_simple", "he", "él tuvo"),
        ("have", "future", "I", "yo tendré"),
        ("do", "past_simple", "I", "yo hice"),
        ("do", "past_simple", "he", "él hizo"),
        ("do", "present_perfect", "he", "él ha hecho"),
        ("do", "future", "he", "él hará"),
        ("go", "present", "I", "yo voy"),
        ("go", "past_simple", "you", "tú fuiste"),
        ("go", "future", "I", "yo iré"),
        ("come", "present", "you", "tú vienes"),
        ("come", "past_simple", "I", "yo vine"),
        ("come", "future", "you", "tú vendrás"),
        ("see", "present", "I", "yo veo"),
        ("see", "past_simple", "I", "yo vi"),
        ("see", "past_simple", "he", "él vio"),
        ("see", "present_perfect", "you", "tú has visto"),
        ("eat", "past_simple", "he", "él comió"),
        ("eat", "present_perfect", "I", "yo he comido"),
        ("write", "present_perfect", "I", "yo he escrito"),
        ("write", "past_simple", "you", "tú escribiste"),
        ("watch", "present", "he", "él mira"),
        ("study", "future", "you", "tú estudiarás"),
    ],
)
def test_spanish_hand_checked(verb: str, tense: str, person: str, expected: str) -> None:
    assert spanish(verb, tense, person) == expected


def test_spanish_infinitives() -> None:
    expected = [
        "trabajar", "jugar", "caminar", "hablar", "escuchar", "mirar", "estudiar", "terminar", "empezar", "buscar",
        "querer", "gustar", "ser", "tener", "hacer", "ir", "venir", "ver", "comer", "escribir",
    ]  # fmt: skip
    assert [spanish(v, "infinitive", "I") for v in COURSE_VERBS] == expected


def test_unknown_names_raise() -> None:
    with pytest.raises(ValueError, match="unknown verb 'swim'"):
        english("swim", "present", "I")
    with pytest.raises(ValueError, match="unknown tense"):
        spanish("eat", "pluperfect", "I")
    with pytest.raises(ValueError, match="unknown person"):
        english("eat", "present", "they")


# ---------------------------------------------------------------------- split


def test_split_is_deterministic_stratified_and_keeps_phrases_together() -> None:
    rows = verbs.conjugations()
    train, val = verbs.split_indices(rows, 0.2, seed=3)
    again_train, again_val = verbs.split_indices(rows, 0.2, seed=3)
    assert np.array_equal(train, again_train) and np.array_equal(val, again_val)
    assert not np.array_equal(val, verbs.split_indices(rows, 0.2, seed=4)[1])
    assert sorted([*train, *val]) == list(range(300))
    # Stratified: 20% of each tense's distinct phrases (20 infinitives, 60 otherwise), so 12 rows per tense.
    assert Counter(rows[i].tense for i in val) == {t: 12 for t in TENSES}
    val_phrases = {rows[i].english for i in val}
    assert not val_phrases & {rows[i].english for i in train}
    infinitives = Counter(rows[i].verb for i in val if rows[i].tense == "infinitive")
    assert sorted(infinitives.values()) == [3, 3, 3, 3]  # 4 verbs' infinitives, all 3 rows of each


def test_split_other_fractions_and_bad_fraction() -> None:
    rows = verbs.conjugations()
    _, val = verbs.split_indices(rows, 0.5, seed=0)
    assert Counter(rows[i].tense for i in val) == {t: 30 for t in TENSES}
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="val_fraction"):
            verbs.split_indices(rows, bad, seed=0)


# ---------------------------------------------------------------------- encodings


def test_char_ngrams_by_hand() -> None:
    assert verbs.char_ngrams("I am", (1, 2)) == {" ", "i", "a", "m", " i", "i ", " a", "am", "m "}
    assert verbs.char_ngrams("to be", (3, 3)) == {" to", "to ", "o b", " be", "be "}


def test_ngram_dataset() -> None:
    data = load_verbs(seed=0)
    assert data.X_train.shape == (240, data.n_features) and data.X_val.shape == (60, data.n_features)
    assert data.X_train.dtype == np.float64 and data.y_train.dtype == np.int64
    assert data.tenses == TENSES and data.n_classes == 5
    assert set(np.unique(data.X_train)) == {0.0, 1.0}
    # The vocabulary comes from the training split only, sorted.
    train_grams = set().union(*(verbs.char_ngrams(p) for p in data.phrases_train))
    assert data.feature_names == sorted(train_grams)
    # Row i has a 1 exactly at the n-grams of its phrase (those in the vocabulary).
    for X, phrases in ((data.X_train, data.phrases_train), (data.X_val, data.phrases_val)):
        for i in (0, 7, len(phrases) - 1):
            on = {data.feature_names[j] for j in np.flatnonzero(X[i])}
            assert on == verbs.char_ngrams(phrases[i]) & train_grams
    # Labels follow the phrases: "will" means future, "to " at the start means infinitive.
    for phrase, label in zip(data.phrases_val, data.y_val):
        if " will " in f" {phrase} ":
            assert TENSES[label] == "future"
        if phrase.startswith("to "):
            assert TENSES[label] == "infinitive"
    again = load_verbs(seed=0)
    assert np.array_equal(again.X_train, data.X_train) and np.array_equal(again.y_val, data.y_val)


def test_spanish_dataset_uses_spanish_ngrams() -> None:
    data = load_verbs(language="es", seed=1)
    assert "é" in data.feature_names and "wil" not in data.feature_names
    infinitives = [p for p, y in zip(data.phrases_train, data.y_train) if TENSES[y] == "infinitive"]
    assert infinitives and all(" " not in p and p.endswith(("ar", "er", "ir")) for p in infinitives)


def test_course_encoding_has_no_tense_information() -> None:
    """one_hot(verb) ⊕ one_hot(person): every input appears with all 5 tenses, so no classifier beats 20%."""
    rows = verbs.conjugations()
    X = verbs.encode_course(rows)
    assert X.shape == (300, 23) and np.all(X.sum(axis=1) == 2)
    tenses_per_input: dict[bytes, set[str]] = {}
    for x, r in zip(X, rows):
        tenses_per_input.setdefault(x.tobytes(), set()).add(r.tense)
    assert len(tenses_per_input) == 60 and all(t == set(TENSES) for t in tenses_per_input.values())
    # The best any function of the input can do on the whole table: one right answer per distinct input.
    assert len(tenses_per_input) / len(rows) == pytest.approx(0.2)
    data = load_verbs("course", seed=0)
    assert data.feature_names[:2] == ["verb=work", "verb=play"] and data.feature_names[-1] == "person=he"


def test_load_verbs_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="encode must be"):
        load_verbs("onehot")
    with pytest.raises(ValueError, match="ngram_range"):
        load_verbs(ngram_range=(0, 2))
    with pytest.raises(ValueError, match="language must be"):
        load_verbs(language="fr")
