"""Typos are fixed against the domain's own words, and real words are never "fixed"."""

from __future__ import annotations

import pytest

from dialogue.nlu.spelling import SpellingCorrector, deletions, edit_distance, encoder_words, english_words

EXAMPLES = ["cancel my appointment", "book an appointment", "take my order", "make a booking", "refill my prescription"]


@pytest.fixture
def corrector() -> SpellingCorrector:
    return SpellingCorrector.fit(EXAMPLES, known=["cancer", "the", "bake"])


def test_a_typo_one_edit_away_becomes_the_example_word(corrector: SpellingCorrector) -> None:
    assert corrector.correct("canecl my booking") == "cancel my booking"  # transposition
    assert corrector.correct("Refil my prescriptoin please") == "refill my prescription please"  # insertion, transposition
    assert corrector.correct("bookin an apointment!") == "booking an appointment!"  # punctuation and spacing kept


def test_long_words_may_be_two_edits_away_short_ones_not(corrector: SpellingCorrector) -> None:
    assert corrector.correct("apointmnet") == "appointment"  # 10 letters, two edits
    assert corrector.correct("bok") == "bok"  # under 4 letters: too many real words are one edit apart
    assert corrector.correct("rfil") == "rfil"  # two edits from "refill" but only 4 letters


def test_real_words_codes_and_ambiguous_typos_are_left_alone() -> None:
    corrector = SpellingCorrector.fit(EXAMPLES, known=["cancer"])
    assert corrector.correct("I have cancer") == "I have cancer"  # a real word, one edit from "cancel"
    assert corrector.correct("order CS101 and RC-40213") == "order CS101 and RC-40213"
    assert corrector.correct("bake") == "bake"  # "take" or "make": no single best guess
    assert corrector.correct("zzzzzz qwerty") == "zzzzzz qwerty"  # nothing close: gibberish stays gibberish


def test_edit_distance_counts_each_kind_of_edit_once() -> None:
    assert [edit_distance("cancel", w) for w in ("cancel", "canecl", "cancl", "cancell", "cancek", "cnaecl")] == [0, 1, 1, 1, 1, 2]
    assert deletions("abc") == {"abc", "bc", "ac", "ab"} and deletions("abc", 2) == deletions("abc") | {"a", "b", "c"}


def test_the_dictionary_keeps_real_words_the_examples_lack() -> None:
    """The encoder's vocabulary lacks "deactivate"; without a dictionary it would become "reactivate"."""
    corrector = SpellingCorrector.fit(["reactivate my card", "unblock my account"], known=english_words())
    assert corrector.correct("deactivate my card") == "deactivate my card"
    assert corrector.correct("how do i go about unlocking it") == "how do i go about unlocking it"
    assert corrector.correct("reactvate my crad") == "reactivate my card"
    # a prefix the dictionary lacks is not a typo: the first letter always stays
    assert SpellingCorrector.fit(["register me for BIO101"]).correct("unregister me") == "unregister me"
    assert corrector.readable(corrector.correct("reactvate")) and not corrector.readable("asdfgh zxcvb 🙂")
    assert corrector.readable("🙂🙂") is False  # symbols alone say nothing the bot knows
    assert corrector.readable("104233") is None and corrector.readable("  ") is None  # nothing to judge


def test_the_encoders_whole_words_are_the_real_words() -> None:
    class Tokenizer:
        def get_vocab(self) -> dict[str, int]:
            return {"cancer": 0, "##ing": 1, "[CLS]": 2, "bake": 3, "42": 4}

    assert encoder_words(Tokenizer()) == frozenset({"cancer", "bake"})
    assert encoder_words(object()) == frozenset()
