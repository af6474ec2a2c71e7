"""Negated requests: "don't drop CS101" is marked, "drop CS101, I don't need it" and the author's own negated
phrasings ("i don't want CS101 anymore" as drop_course) are not."""

from __future__ import annotations

from pathlib import Path

from dialogue.domain import Domain
from dialogue.domain.examples import TrainingData, TrainingExample
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import NEGATION_KEY, ParsedMessage
from dialogue.nlu.negated_requests import NegatedRequests
from dialogue.nlu.pipeline_builder import build_nlu, parse_one
from nlu_helpers import KeywordClassifier, parse_of

KEYWORDS = {"drop_course": {"drop", "anymore", "leave"}, "enroll": {"enrol", "enroll", "join"},
            "hours": {"open", "hours"}}
EXAMPLES = TrainingData(tuple(TrainingExample(text, intent) for intent, text in (
    ("drop_course", "drop CS101"), ("drop_course", "leave the course"), ("drop_course", "i don't want CS101 anymore"),
    ("enroll", "enrol me in CS101"), ("hours", "when do you open"))))


def negated_requests() -> tuple[NegatedRequests, KeywordClassifier]:
    classifier = KeywordClassifier(KEYWORDS)
    step = NegatedRequests(min_confidence=0.5)
    step.train(EXAMPLES)
    step.bind_preceding([classifier])
    return step, classifier


def read(text: str) -> ParsedMessage:
    step, classifier = negated_requests()
    return step.process(classifier.process(parse_of(text)))


def test_a_negated_request_is_marked_and_keeps_its_reading() -> None:
    parse = read("please don't drop CS101")
    assert parse.negates_its_request()
    assert parse.intent.name == "drop_course"  # read as before: a confirmation still hears the "don't"
    assert parse.metadata[NEGATION_KEY] == {"negated": ["don't drop CS101"], "rest": "please", "request_negated": True}
    assert read("I never asked to drop CS101").negates_its_request()


def test_a_negation_beside_the_request_leaves_it_standing() -> None:
    parse = read("drop CS101, I don't need it")  # "need it" is no drop, "drop CS101, I" still is
    assert not parse.negates_its_request()
    assert parse.metadata[NEGATION_KEY]["negated"] == ["don't need it"]


def test_the_authors_own_negated_phrasing_is_a_request() -> None:
    assert not read("i don't want STAT110 anymore").negates_its_request()  # like "i don't want CS101 anymore"
    assert read("don't leave the course").negates_its_request()  # like the plain "leave the course"


def test_a_negative_question_asks_for_the_request() -> None:
    for text in ("can't you drop CS101?", "why can't I drop CS101", "why don't you enrol me in CS101"):
        parse = read(text)
        assert parse.intent.name in ("drop_course", "enroll") and not parse.negates_its_request(), text
    assert read("don't you dare drop CS101").negates_its_request()  # a prohibition, not a question


def test_a_request_taken_back_later_in_the_message_is_marked() -> None:
    for text in ("drop CS101. actually no, keep it", "drop CS101 lol jk", "drop CS101, never mind"):
        assert read(text).negates_its_request(), text
    assert not read("forget it, drop CS101").negates_its_request()  # an opening "forget it" takes nothing back
    assert not read("drop CS101. scratch that, drop BIO101").negates_its_request()  # the rest still drops


def test_a_retraction_takes_back_nothing_of_an_intent_whose_examples_say_it() -> None:
    classifier = KeywordClassifier({**KEYWORDS, "stop": {"stop", "quit"}})
    step = NegatedRequests(min_confidence=0.5)
    step.train(TrainingData((*EXAMPLES.examples, TrainingExample("quit, never mind", "stop"),
                             TrainingExample("stop", "stop"))))
    step.bind_preceding([classifier])
    assert step.retracting == {"stop"}
    assert not step.process(classifier.process(parse_of("stop, never mind"))).negates_its_request()  # how people stop
    assert step.process(classifier.process(parse_of("drop CS101, never mind"))).negates_its_request()


def test_what_the_user_could_not_do_asks_for_the_request() -> None:
    for text in ("I can't drop CS101 on the portal", "it won't let me enrol in CS101", "we still couldn't drop CS101"):
        parse = read(text)
        assert parse.intent.name in ("drop_course", "enroll") and not parse.negates_its_request(), text
    assert read("you can't drop CS101").negates_its_request()  # said of the bot: a prohibition


def test_messages_without_a_negation_are_not_read_again() -> None:
    step, classifier = negated_requests()
    parses = [classifier.process(parse_of(text)) for text in ("drop CS101", "no problem, enrol me")]
    assert step.process_batch(parses) == parses  # "no problem" says nothing negative
    assert classifier.texts == ["drop CS101", "no problem, enrol me"]


def test_the_idioms_are_saved_and_loaded(tmp_path: Path) -> None:
    step, classifier = negated_requests()
    step.save(tmp_path)
    loaded = NegatedRequests(min_confidence=0.5)
    loaded.load(tmp_path)
    loaded.bind_preceding([classifier])
    assert loaded.idioms == step.idioms and loaded.plain == step.plain and loaded.retracting == step.retracting
    assert not loaded.process(classifier.process(parse_of("i don't want STAT110 anymore"))).negates_its_request()


def test_build_nlu_trains_the_step_and_marks_negated_orders(domain: Domain) -> None:
    specs = [ComponentSpec(use="regex_entities"), ComponentSpec(use="tfidf_intent"),
             ComponentSpec(use="negated_requests"), ComponentSpec(use="fallback", threshold=0.3)]
    components = build_nlu(domain, specs, model_root=None)
    step = components[2]
    assert isinstance(step, NegatedRequests) and step.plain["order_pizza"]
    parse = parse_one(components, "don't order a pizza")
    assert NEGATION_KEY in parse.metadata
    assert parse.intent.name == "order_pizza" and parse.negates_its_request(), parse.metadata[NEGATION_KEY]
