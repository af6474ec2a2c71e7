"""Pleasantries around a request: the request's reading wins, and only when both pieces are clear."""

from __future__ import annotations

from pathlib import Path

from nlu_helpers import KeywordClassifier, parse_of

from dialogue.domain import Domain
from dialogue.domain.examples import TrainingData, TrainingExample
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import Entity, ParsedMessage
from dialogue.nlu.base import OOS_KEY
from dialogue.nlu.pipeline_builder import build_nlu, parse_one
from dialogue.nlu.pleasantries import PLEASANTRY_KEY, Pleasantries, cuts

KEYWORDS = {"greet": {"hi", "hello"}, "thank": {"thanks", "thx"}, "order_pizza": {"pizza", "order"},
            "weather": {"weather", "rain"}, "parking": {"parking", "lot"}}
#: what the author wrote for the pleasantries: the step learns their words
PLEASANTRY_EXAMPLES = TrainingData(tuple(
    TrainingExample(text, intent) for intent, texts in {
        "greet": ["hi", "hello there", "hi hi"], "thank": ["thanks", "thx", "thanks a lot"],
        "weather": ["will it rain", "hi, what's the weather"]}.items() for text in texts))


def pleasantries(**config: object) -> tuple[Pleasantries, KeywordClassifier]:
    classifier = KeywordClassifier(KEYWORDS)
    step = Pleasantries(["greet", "thank"], 0.5, Pleasantries.Config(**config))
    step.train(PLEASANTRY_EXAMPLES)
    step.bind_preceding([classifier])
    return step, classifier


def read(step: Pleasantries, classifier: KeywordClassifier, text: str, entities: tuple[Entity, ...] = ()) -> ParsedMessage:
    return step.process(classifier.process(parse_of(text, entities=entities)))


def test_a_greeting_before_a_request_gives_the_request() -> None:
    step, classifier = pleasantries()
    order = Entity(type="size", value="large", text="large", start=15, end=20, extractor="lookup_entities")
    parse = read(step, classifier, "hi hi hello, a large pizza please", entities=(order,))
    assert parse.intent.name == "order_pizza"
    assert parse.metadata[PLEASANTRY_KEY] == {"intent": "greet", "text": "hi hi hello,", "was": "greet"}
    assert parse.text == "hi hi hello, a large pizza please"  # the manager still reads every word
    assert parse.entities == (order,)


def test_thanks_after_a_request_without_punctuation() -> None:
    step, classifier = pleasantries()
    parse = read(step, classifier, "will it rain thx thanks")
    assert parse.intent.name == "weather"
    assert parse.metadata[PLEASANTRY_KEY]["text"] == "thx thanks"


def test_a_pleasantry_alone_stays_one() -> None:
    step, classifier = pleasantries()
    assert read(step, classifier, "hi there").intent.name == "greet"  # "there" is not a request
    assert read(step, classifier, "hi, thanks, hello").intent.name in {"greet", "thank"}  # nothing but pleasantries


def test_words_of_the_pleasantry_examples_stay_with_the_pleasantry() -> None:
    step, classifier = pleasantries()
    assert step.vocabulary == {"hi", "hello", "there", "thanks", "thx", "a", "lot"}  # greet and thank only
    assert read(step, classifier, "thanks a lot").intent.name == "thank"  # "a lot" alone reads as parking
    assert read(step, classifier, "thanks, a parking lot").intent.name == "parking"
    # cut off without punctuation, a pleasantry is only words the author wrote for pleasantries
    assert read(step, classifier, "light rain hello there").intent.name == "weather"
    unchanged = read(step, classifier, "light rain hello bob")  # "hello bob" may be part of the request
    assert unchanged.intent.confidence < 0.5 and PLEASANTRY_KEY not in unchanged.metadata


def test_the_vocabulary_is_saved_and_loaded(tmp_path: Path) -> None:
    step, _ = pleasantries()
    step.save(tmp_path)
    loaded = Pleasantries(["greet", "thank"], 0.5)
    loaded.load(tmp_path)
    assert loaded.vocabulary == step.vocabulary
    other = TrainingData(PLEASANTRY_EXAMPLES.examples[:2])
    assert step.fingerprint(other) != step.fingerprint(PLEASANTRY_EXAMPLES)


def test_an_unsure_request_piece_keeps_the_whole_reading() -> None:
    step, classifier = pleasantries()
    parse = read(step, classifier, "hello hi, pizza or weather")  # the request piece is a tie: 0.4
    assert parse.intent.name == "greet"
    assert PLEASANTRY_KEY not in parse.metadata
    lenient, _ = pleasantries(min_confidence=0.3)
    lenient.bind_preceding([classifier])
    assert read(lenient, classifier, "hello hi, pizza or weather").intent.name in {"order_pizza", "weather"}


def test_a_clear_request_is_not_read_twice() -> None:
    step, classifier = pleasantries()
    parse = read(step, classifier, "hello, order a pizza pizza")
    assert parse.intent.name == "order_pizza" and PLEASANTRY_KEY not in parse.metadata
    assert classifier.texts == ["hello, order a pizza pizza"]  # no piece was read


def test_a_domain_without_pleasantry_intents_changes_nothing() -> None:
    classifier = KeywordClassifier(KEYWORDS)
    step = Pleasantries([], 0.5)
    step.bind_preceding([classifier])
    parse = classifier.process(parse_of("hi hi, will it rain"))
    assert step.process(parse) == parse


def test_edge_cuts_set_aside_only_the_edge_words() -> None:
    found = {(c.head, c.tail): c.pleasantry_sides for c in cuts("hello, is anyone there", edge_words=2)}
    assert found[("hello,", "is anyone there")] == ("head", "tail")  # a clause boundary: either side
    assert found[("hello, is anyone", "there")] == ("tail",)  # "there" may be set aside, never the long head
    assert found[("hello, is", "anyone there")] == ("head", "tail")  # two words from either end
    assert cuts("hello", edge_words=2) == []
    assert all(c.head and c.tail for c in cuts("!!, hi ,, ?", edge_words=2))


def test_batches_read_every_message_like_one_at_a_time() -> None:
    step, classifier = pleasantries()
    texts = ["hi hi, will it rain", "order pizza", "thanks thanks, a pizza order", "hi there"]
    one_by_one = [read(step, classifier, t) for t in texts]
    batched = step.process_batch([classifier.process(parse_of(t)) for t in texts])
    assert [p.intent.name for p in batched] == [p.intent.name for p in one_by_one] == \
        ["weather", "order_pizza", "order_pizza", "greet"]


def test_build_nlu_hands_the_step_the_steps_before_it(domain: Domain) -> None:
    specs = [ComponentSpec(use="regex_entities"), ComponentSpec(use="tfidf_intent"),
             ComponentSpec(use="pleasantries", min_confidence=0.3), ComponentSpec(use="fallback", threshold=0.3)]
    components = build_nlu(domain, specs, model_root=None)
    step = components[2]
    assert isinstance(step, Pleasantries)
    assert [type(c).__name__ for c in step.preceding] == ["RegexEntityExtractor", "TfidfIntentClassifier"]
    assert step.intents == frozenset({"greet"})  # the pizza domain's only pleasantry intent
    parse = parse_one(components, "hello there, will it rain tomorrow in Paris")
    assert parse.intent.name == "weather"


def test_a_piece_alone_never_makes_a_yes_or_small_talk() -> None:
    classifier = KeywordClassifier(KEYWORDS)
    step = Pleasantries(["greet", "thank"], 0.5, keep_whole_for=["weather"])
    step.train(PLEASANTRY_EXAMPLES)
    step.bind_preceding([classifier])
    assert read(step, classifier, "hi hi, will it rain").intent.name == "weather"  # its own (unsure) reading
    assert read(step, classifier, "hi hi hello, will it rain").intent.name == "greet"


def test_the_default_keeps_the_forms_yes_and_no_and_small_talk() -> None:
    from dialogue.domain import load_domain

    shop = load_domain(Path(__file__).parents[2] / "domains" / "customer_service")
    step = Pleasantries.from_config(Pleasantries.Config(), shop)
    assert {"greet", "thank", "goodbye"} <= step.intents
    assert {"affirm", "deny", "chitchat", "help", "out_of_scope"} <= step.keep_whole_for
    assert "cancel_order" not in step.keep_whole_for


def test_a_piece_the_classifier_calls_out_of_scope_is_no_request() -> None:
    class ScopedClassifier(KeywordClassifier):
        def process(self, parse: ParsedMessage) -> ParsedMessage:
            read = super().process(parse)
            outside = {"probability": 0.9, "threshold": 0.5, "out_of_scope": read.intent.name == "weather"}
            return read.model_copy(update={"metadata": {**read.metadata, OOS_KEY: outside}})

    step, _ = pleasantries()
    classifier = ScopedClassifier(KEYWORDS)
    step.bind_preceding([classifier])
    assert read(step, classifier, "hi hello, will it rain").intent.name == "greet"
    assert read(step, classifier, "hi hello, pizza please").intent.name == "order_pizza"
