"""Two requests in one message: the second question is noticed, and only when both pieces are clear requests."""

from __future__ import annotations

from pathlib import Path

import pytest
from nlu_helpers import KeywordClassifier, parse_of

from dialogue.domain import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import ALSO_KEY, Entity, ParsedMessage
from dialogue.nlu.base import OOS_KEY
from dialogue.nlu.multiple_requests import MultipleRequests, splits
from dialogue.nlu.pipeline_builder import build_nlu, parse_one

KEYWORDS = {"cancel_order": {"cancel", "order"}, "return_policy": {"policy"}, "shipping": {"ship", "shipping"},
            "greet": {"hi", "hello"}, "inform": {"broken"}, "contact_info": {"where", "located"}}


def step() -> tuple[MultipleRequests, KeywordClassifier]:
    classifier = KeywordClassifier(KEYWORDS)
    multiple = MultipleRequests(["greet"])
    multiple.bind_preceding([classifier])
    return multiple, classifier


def read(text: str, entities: tuple[Entity, ...] = ()) -> ParsedMessage:
    multiple, classifier = step()
    return multiple.process(classifier.process(parse_of(text, entities=entities)))


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("cancel order 1 and tell me the policy", [("cancel order 1", "tell me the policy")]),
        ("cancel it, and also what's the policy?", [("cancel it", "what's the policy?")]),
        ("cancel it! what's the policy?", [("cancel it!", "what's the policy?")]),
        ("where is it? also do you ship to canada", [("where is it?", "do you ship to canada")]),
        ("cancel it - then the policy", [("cancel it", "the policy")]),
        ("rock and roll", [("rock", "roll")]),
        ("and", []),
    ],
)
def test_splits_at_clause_breaks_and_joining_words(text: str, pieces: list[tuple[str, str]]) -> None:
    assert [(s.first, s.second) for s in splits(text)] == pieces


def test_a_second_question_is_noticed_and_the_reading_stays() -> None:
    order = Entity(type="order_id", value="104302", text="104302", start=13, end=19)
    parse = read("cancel order 104302 and tell me your return policy", entities=(order,))
    assert parse.intent.name == "cancel_order"
    assert parse.metadata[ALSO_KEY] == {"intent": "return_policy", "confidence": 0.95, "text": "tell me your return policy",
                                        "beside": "cancel order 104302"}
    second = parse.second_request()
    assert second is not None and second.intent.name == "return_policy" and second.text == "tell me your return policy"
    assert second.entities == ()  # the order number belongs to the first request
    first_asked = read("do you ship to canada? cancel order 104302 please")  # a question before the request
    assert first_asked.intent.name == "cancel_order" and first_asked.metadata[ALSO_KEY]["intent"] == "shipping"


@pytest.mark.parametrize(
    "text",
    [
        "cancel order 104302 and cancel order 104303",  # the same request twice
        "cancel my order and it arrived broken",  # the second piece tells, it does not ask
        "it arrived broken and cancel my order",  # the same, whichever comes first
        "cancel order 104302 and hi",  # a pleasantry is no request
        "cancel order 104302 and do not ship it?",  # a negated piece asks for nothing
        "cancel order 104302",  # nothing to cut
        "cancel order 104302, where is it?",  # the question only points back at the first piece
    ],
)
def test_no_second_request(text: str) -> None:
    assert ALSO_KEY not in read(text).metadata


def test_a_second_request_worded_as_one_counts_too() -> None:
    parse = read("do you ship, and what about shipping to canada? I want to cancel it")
    assert parse.intent.name == "shipping"
    assert parse.metadata[ALSO_KEY] == {"intent": "cancel_order", "confidence": 0.95, "text": "I want to cancel it",
                                        "beside": "do you ship, and what about shipping to canada?"}


def test_a_second_request_in_the_imperative_counts_too() -> None:
    parse = read("do you ship, and shipping to canada? cancel it")  # spaCy tags "cancel" as a bare verb
    assert parse.intent.name == "shipping" and parse.metadata[ALSO_KEY]["intent"] == "cancel_order"


def test_a_message_read_as_neither_piece_is_left_alone() -> None:
    multiple, classifier = step()
    parse = classifier.process(parse_of("cancel it and what is the shipping policy"))
    elsewhere = parse.model_copy(update={"intent": parse.intent.model_copy(update={"name": "inform"})})
    assert ALSO_KEY not in multiple.process(elsewhere).metadata


def test_an_unsure_message_is_read_as_its_two_requests() -> None:
    classifier = KeywordClassifier(KEYWORDS)
    multiple = MultipleRequests(["greet"], fallback_threshold=0.5)
    multiple.bind_preceding([classifier])
    parse = classifier.process(parse_of("can you cancel order 1? what is the policy?"))
    unsure = parse.model_copy(update={"intent": parse.intent.model_copy(update={"name": "shipping", "confidence": 0.3})})
    read = multiple.process(unsure)
    assert read.intent.name == "cancel_order" and read.intent.confidence == 0.95  # the first piece leads
    assert read.metadata[ALSO_KEY] == {"intent": "return_policy", "confidence": 0.95, "text": "what is the policy?",
                                       "beside": "can you cancel order 1?", "was": "shipping"}
    assert read.text == unsure.text
    sure = unsure.model_copy(update={"intent": unsure.intent.model_copy(update={"confidence": 0.6})})
    assert ALSO_KEY not in multiple.process(sure).metadata  # above the threshold: read as neither piece, left alone


def test_a_piece_judged_out_of_scope_is_no_request() -> None:
    classifier = KeywordClassifier(KEYWORDS)

    class OutOfScopeShipping:
        def process(self, parse: ParsedMessage) -> ParsedMessage:
            if parse.intent.name == "shipping":
                return parse.model_copy(update={"metadata": {**parse.metadata, OOS_KEY: {"out_of_scope": True}}})
            return parse

    multiple = MultipleRequests(["greet"])
    multiple.bind_preceding([classifier, OutOfScopeShipping()])
    assert ALSO_KEY not in multiple.process(classifier.process(parse_of("cancel it and do you ship to mars?"))).metadata


def test_in_the_default_pipeline_with_a_real_classifier(domain: Domain) -> None:
    specs = [ComponentSpec(use="regex_entities"), ComponentSpec(use="lookup_entities"),
             ComponentSpec(use="tfidf_intent"), ComponentSpec(use="multiple_requests"),
             ComponentSpec(use="fallback", threshold=0.3)]
    components = build_nlu(domain, specs, model_root=None)
    parse = parse_one(components, "I want a large pizza, and is it sunny in Boston?")
    assert parse.intent.name == "order_pizza", parse.intent
    second = parse.second_request()
    assert second is not None and second.intent.name == "weather", parse.metadata
    assert [e.value for e in second.entities] == ["Boston"]


def test_the_default_non_requests_of_a_pack() -> None:
    from dialogue.domain import load_domain

    shop = load_domain(Path(__file__).parents[2] / "domains" / "customer_service")
    step = MultipleRequests.from_config(MultipleRequests.Config(), shop)
    assert {"greet", "thank", "affirm", "deny", "stop", "chitchat", "out_of_scope"} <= step.not_requests
    assert not {"cancel_order", "return_policy", "order_status"} & step.not_requests
    assert step.fallback_threshold == shop.settings.fallback_threshold
