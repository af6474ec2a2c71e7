"""Requests told as already done: "why did you drop CS101?" is marked, "I placed an order, drop CS101" and a
complaint about what happened are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domain import Domain
from dialogue.domain.examples import TrainingData, TrainingExample
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import PAST_KEY, ParsedMessage
from dialogue.nlu.past_requests import PastRequests, verb_stem
from dialogue.nlu.pipeline_builder import build_nlu, parse_one
from nlu_helpers import KeywordClassifier, parse_of

pytest.importorskip("spacy")

KEYWORDS = {"drop_course": {"drop", "dropped", "leave"}, "complaint": {"lost", "complaint", "complain", "terrible"},
            "hours": {"open", "hours"}}
EXAMPLES = TrainingData(tuple(TrainingExample(text, intent) for intent, text in (
    ("drop_course", "drop CS101"), ("drop_course", "leave the course"), ("drop_course", "please drop BIO101"),
    ("complaint", "i want to complain"), ("complaint", "you lost my homework"), ("complaint", "this is terrible"),
    ("hours", "when do you open"))))


def past_requests() -> tuple[PastRequests, KeywordClassifier]:
    classifier = KeywordClassifier(KEYWORDS)
    step = PastRequests(min_confidence=0.5)
    step.train(EXAMPLES)
    step.bind_preceding([classifier])
    return step, classifier


def read(text: str) -> ParsedMessage:
    step, classifier = past_requests()
    return step.process(classifier.process(parse_of(text)))


def test_the_verbs_an_intent_asks_with_are_learned_from_its_present_forms() -> None:
    step, _ = past_requests()
    assert {verb_stem("drop"), verb_stem("leave")} <= step.verbs["drop_course"]
    assert verb_stem("lose") not in step.verbs["complaint"]  # "you lost my homework" tells of the past


def test_rare_verbs_lemmatised_three_ways_are_one_verb() -> None:
    assert verb_stem("unenrolle") == verb_stem("unenroll") == verb_stem("unenrol")  # "unenrolled" → "unenrolle"
    assert verb_stem("cancell") == verb_stem("cancel") and verb_stem("see") != verb_stem("sew")


def test_a_request_told_as_done_is_marked_and_keeps_its_reading() -> None:
    for text in ("why did you drop CS101?", "I dropped CS101 by mistake, can I undo it?", "was BIO101 dropped?"):
        parse = read(text)
        assert parse.intent.name == "drop_course" and parse.tells_its_request_as_done(), (text, parse.metadata)
    assert read("why did you drop CS101?").metadata[PAST_KEY] == {
        "past": ["did you drop CS101"], "rest": "why ?", "request_past": True}


def test_a_past_beside_the_request_or_a_complaint_about_it_leaves_it_standing() -> None:
    assert not read("I dropped by the office, drop CS101 please").tells_its_request_as_done()  # the rest still drops
    assert not read("drop CS101").tells_its_request_as_done()
    assert PAST_KEY not in read("drop CS101").metadata  # nothing told as done: nothing read again
    assert not read("you lost my essay").tells_its_request_as_done()  # "lose" is no verb a complaint asks with


def test_the_verbs_and_idioms_are_saved_and_loaded(tmp_path: Path) -> None:
    step, classifier = past_requests()
    step.save(tmp_path)
    loaded = PastRequests(min_confidence=0.5)
    loaded.load(tmp_path)
    loaded.bind_preceding([classifier])
    assert loaded.verbs == step.verbs and loaded.idioms == step.idioms and loaded.plain == step.plain
    assert loaded.process(classifier.process(parse_of("why did you drop CS101?"))).tells_its_request_as_done()


def test_build_nlu_trains_the_step(domain: Domain) -> None:
    specs = [ComponentSpec(use="regex_entities"), ComponentSpec(use="tfidf_intent"),
             ComponentSpec(use="past_requests"), ComponentSpec(use="fallback", threshold=0.3)]
    components = build_nlu(domain, specs, model_root=None)
    step = components[2]
    assert isinstance(step, PastRequests) and "order" in step.verbs["order_pizza"]
    parse = parse_one(components, "why did you order a large pizza")
    assert parse.intent.name == "order_pizza" and parse.tells_its_request_as_done(), parse.metadata.get(PAST_KEY)
    assert not parse_one(components, "order a large pizza").tells_its_request_as_done()


def test_a_message_full_of_past_actions_reads_only_the_first_few_again() -> None:
    from dialogue.nlu.rereading import MAX_CUTS

    step, classifier = past_requests()
    parse = classifier.process(parse_of("I dropped CS101 by mistake, " * 40))
    classifier.texts.clear()
    assert step.process(parse).tells_its_request_as_done()
    assert len(classifier.texts) == MAX_CUTS + 1  # the first phrases and the rest, not forty re-reads
