"""The phase 12 corpus and its character tokenizer."""

import numpy as np
import pytest

from minigrad.data import corpus, verbs


def test_360_cells_with_the_verbs_of_the_verbs_dataset():
    cells = corpus.cells()
    assert len(cells) == 20 * 6 * 3 == 360
    assert sorted({c.verb for c in cells}) == sorted(verbs.VERBS)
    assert len({(c.verb, c.tense, c.person) for c in cells}) == 360


@pytest.mark.parametrize(
    ("verb", "tense", "person", "en", "es"),
    [  # written by hand from a grammar, not from the code
        ("eat", "present_perfect", "he", "eat, perfect: he has eaten", "comer, perfecto: él ha comido"),
        ("go", "going_to", "I", "go, going-to: I am going to go", "ir, ir-a: yo voy a ir"),
        ("have", "conditional", "you", "have, conditional: you would have", "tener, condicional: tú tendrías"),
        ("like", "conditional", "I", "like, conditional: I would like", "gustar, condicional: me gustaría"),
        ("like", "going_to", "he", "like, going-to: he is going to like", "gustar, ir-a: le va a gustar"),
        ("write", "past_simple", "he", "write, past: he wrote", "escribir, pasado: él escribió"),
        ("study", "present", "he", "study, present: he studies", "estudiar, presente: él estudia"),
        ("want", "future", "you", "want, future: you will want", "querer, futuro: tú querrás"),
    ],
)
def test_lines_match_the_grammar(verb, tense, person, en, es):
    (cell,) = [c for c in corpus.cells() if (c.verb, c.tense, c.person) == (verb, tense, person)]
    assert cell.line("en") == en
    assert cell.line("es") == es
    for lang in ("en", "es"):
        assert cell.prompt(lang) + cell.completion(lang) == cell.line(lang)
        assert cell.prompt(lang).endswith(" ") and " " not in cell.completion(lang)


def test_four_tenses_agree_with_the_verbs_dataset():
    for c in corpus.cells():
        if c.tense in verbs.TENSES:
            assert c.english == verbs.english(c.verb, c.tense, c.person)
            assert c.spanish == verbs.spanish(c.verb, c.tense, c.person)


def test_tokenizer_fits_vocab_64_and_round_trips_every_line():
    tok = corpus.CharTokenizer.from_corpus()
    assert tok.vocab_size <= 64
    for c in corpus.cells():
        for lang in ("en", "es"):
            ids = tok.encode(c.line(lang))
            assert all(0 < i < tok.vocab_size for i in ids)
            assert tok.decode(ids) == c.line(lang)


def test_tokenizer_errors_name_the_character():
    tok = corpus.CharTokenizer.from_corpus()
    with pytest.raises(ValueError, match="'Q'"):
        tok.encode("Quiet")
    with pytest.raises(ValueError, match="out of range"):
        tok.decode([tok.vocab_size])


def test_encode_lines_pads_with_zero_and_frames_with_newlines():
    tok = corpus.CharTokenizer.from_corpus()
    ids = corpus.encode_lines(["he is", "I am"], tok, 9)
    assert ids.shape == (2, 9) and ids.dtype == np.int64
    assert tok.decode(ids[0]) == "\nhe is\n" and list(ids[0, 7:]) == [0, 0]
    with pytest.raises(ValueError, match="needs 7 positions"):
        corpus.encode_lines(["he is"], tok, 6)


def test_held_out_cells_are_inferable_and_disjoint_from_training():
    train, held = corpus.held_out_split(per_verb=2, seed=0)
    assert len(held) == 40 and len(train) == 320
    keys = {(c.verb, c.tense, c.person) for c in train}
    for c in held:
        assert (c.verb, c.tense, c.person) not in keys
        assert c.tense in corpus.SHARED_LAST_WORD_TENSES
        others = [t for t in train if t.verb == c.verb and t.tense == c.tense]
        assert len(others) == 2  # the other two persons stay in training
        assert {t.completion("en") for t in others} == {c.completion("en")}
        # Spanish future and conditional endings change with the person (-é/-ás/-á): only the stem is shared
        assert {t.completion("es")[:3] for t in others} == {c.completion("es")[:3]}
    assert corpus.held_out_split(2, 0) == corpus.held_out_split(2, 0)
    assert corpus.held_out_split(2, 1) != corpus.held_out_split(2, 0)


def test_paradigm_line_and_prompt():
    eat = [c for c in corpus.cells() if c.verb == "eat" and c.tense == "present_perfect"]
    i, you, he = eat
    assert corpus.paradigm_line([you, i], "en") == "eat, perfect: you have eaten, I have eaten"
    assert corpus.paradigm_prompt([i, you], he, "es") == "comer, perfecto: yo he comido, tú has comido, él ha "
    with pytest.raises(ValueError, match="share one verb"):
        corpus.paradigm_line([i, corpus.cells()[0]], "en")
    train, held = corpus.held_out_split(2, 0)
    groups = corpus.paradigm_groups(train)
    assert len(groups) == 120 and sum(len(g) for g in groups) == 320
    assert sorted(len(g) for g in groups).count(2) == len(held)
