"""The negation and hesitation detector: cues with a scope, fixed positive phrases, hedges."""

from __future__ import annotations

import pytest

from dialogue.negation import MAX_SCOPE, hesitation, is_negated, negates, negations, refusals, without_negations


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("don't cancel it", [("don't", "cancel it")]),
        ("no, keep it", [("no", "")]),
        ("actually no wait, don't cancel it", [("no", "wait"), ("don't", "cancel it")]),
        ("please don't", [("don't", "")]),
        ("dont drop it", [("dont", "drop it")]),  # the apostrophe people skip
        ("Don’t cancel", [("Don’t", "cancel")]),  # a typographic apostrophe, the cue as written
        ("i do not want that", [("do not", "want that")]),
        ("nope", [("nope", "")]),
        ("no I never asked for that", [("no", "I"), ("never", "asked for that")]),
        ("I haven't received it but cancel it", [("haven't", "received it")]),  # "but" ends the scope
        ("no.", [("no", "")]),
    ],
)
def test_cues_and_their_scope(text: str, cues: list[tuple[str, str]]) -> None:
    assert [(n.cue, n.scope) for n in negations(text)] == cues


def test_offsets_point_at_the_cue_in_the_original_text() -> None:
    text = "Well, I DON'T want it"
    (negation,) = negations(text)
    assert text[negation.start:negation.end] == "DON'T"
    assert negation.scope == "want it"


def test_scope_is_bounded() -> None:
    (negation,) = negations("not " + " ".join(f"w{i}" for i in range(20)))
    assert len(negation.scope.split()) == MAX_SCOPE


@pytest.mark.parametrize(
    "text",
    ["yes please", "no problem, go ahead", "sure, why not", "no worries", "not a problem at all", "don't worry, do it",
     "sounds good", "can't wait", ""],
)
def test_positive_phrases_are_not_negations(text: str) -> None:
    assert not is_negated(text)


@pytest.mark.parametrize(
    ("text", "hedge"),
    [("not sure tbh", "not sure"), ("hmm wait", "hmm"), ("idk maybe", "idk"), ("yeah i guess", "i guess"),
     ("i don't know", "don't know"), ("no idea", "no idea"), ("Maybe?", "maybe")],
)
def test_hesitations(text: str, hedge: str) -> None:
    assert hesitation(text) == hedge


@pytest.mark.parametrize("text", ["not sure tbh", "i don't know", "no idea"])
def test_a_cue_inside_a_hedge_is_not_a_negation(text: str) -> None:
    assert not is_negated(text)


@pytest.mark.parametrize("text", ["yes", "yes please cancel it", "no, keep it", "absolutely", "go ahead"])
def test_decided_answers_have_no_hesitation(text: str) -> None:
    assert hesitation(text) is None


def test_negates_looks_inside_the_scope_only() -> None:
    assert negates("please don't cancel my order", {"cancel"})
    assert not negates("cancel it, I don't need it anymore", {"cancel"})
    assert not negates("cancel it", {"cancel"})


def test_without_negations_keeps_what_the_message_still_asks() -> None:
    assert without_negations("don't cancel order 104302") == ""
    assert without_negations("cancel order 104302, I don't need it anymore") == "cancel order 104302, I"
    assert without_negations("please do not change the address") == "please"
    assert without_negations("no, cancel it") == ", cancel it"  # "no" governs nothing after the comma
    assert without_negations("no problem, cancel it") == "no problem, cancel it"  # not a negation
    scoped = negations("I never asked to cancel my order 104302")[0]
    assert scoped.scope == "asked to cancel my order 104302" and scoped.scope_end == len("I never asked to cancel my order 104302")


@pytest.mark.parametrize(
    "text",
    ["can't you just cancel order 104302?", "why can't I cancel my order", "why don't you cancel it",
     "how come I can't change my address", "so, couldn't you change the address?", "hey cant u cancel it",
     "won't you book it for me", "Why didn't you cancel my order?"],
)
def test_a_negative_question_asks_for_what_it_names(text: str) -> None:
    (negation,) = negations(text)
    assert negation.question
    assert is_negated(text) and not refusals(text)
    assert without_negations(text) == text
    assert not negates(text, {"cancel", "change", "book"})


@pytest.mark.parametrize(
    "text",
    ["don't you dare cancel it", "you can't cancel it, I need it", "I can't believe you cancelled my order",
     "do not cancel it", "why would you cancel it, don't", "I cannot afford to lose it", "no, I can't"],
    # the subject comes first, or no question opens the clause; "you" can't, or the writer can't bear something
)
def test_a_negation_that_is_no_question_still_refuses(text: str) -> None:
    assert refusals(text) and not any(n.asks for n in negations(text))


@pytest.mark.parametrize(
    ("text", "scope"),
    [("I can't cancel my order on the website", "cancel my order on the website"),
     ("i cant change my address", "change my address"), ("we still couldn't return it", "return it"),
     ("it won't let me change the address", "let me change the address"), ("I can not track my parcel", "track my parcel"),
     ("the app doesnt let me pay", "let me pay")],
)
def test_an_inability_asks_for_help_with_what_it_names(text: str, scope: str) -> None:
    (negation,) = negations(text)
    assert negation.inability and negation.asks and not negation.question
    assert negation.scope == scope
    assert not refusals(text) and without_negations(text) == text
    assert not negates(text, {"cancel", "change", "return", "track", "pay"})


def test_a_question_beside_a_refusal_leaves_the_refusal() -> None:
    found = negations("no, can't you see I want it?")
    assert [(n.cue, n.question) for n in found] == [("no", False), ("can't", True)]
    assert [n.cue for n in refusals("no, can't you see I want it?")] == ["no"]


@pytest.mark.parametrize(
    ("text", "cue", "scope", "rest"),
    [("cancel order 104302. actually no, keep it", "actually no", "cancel order 104302", ", keep it"),
     ("cancel order 104302 lol jk", "jk", "cancel order 104302 lol", ""),
     ("change the address, never mind", "never mind", "change the address", ""),
     ("cancel it please. scratch that, change the address instead", "scratch that", "cancel it please",
      ", change the address instead")],
)
def test_a_retraction_takes_back_the_words_before_it(text: str, cue: str, scope: str, rest: str) -> None:
    (negation,) = negations(text)
    assert negation.retracts and (negation.cue, negation.scope) == (cue, scope)
    assert text[negation.scope_start:].startswith(scope)
    assert without_negations(text) == rest and negates(text, {"cancel", "change"})


@pytest.mark.parametrize("text", ["forget it, cancel order 104302", "no wait, cancel order 104302",
                                  "don't forget to cancel order 104302", "don't worry, go ahead"])
def test_an_opening_retraction_or_a_reassurance_takes_nothing_back(text: str) -> None:
    assert not negates(text, {"cancel", "go"})


def test_asking_for_nothing_to_be_done_is_a_negation() -> None:
    assert negates("don't worry about cancelling order 104302", {"cancelling"})
    assert negates("forget about cancelling order 104302", {"cancelling"})
    assert negates("never mind cancelling order 104302", {"cancelling"})
