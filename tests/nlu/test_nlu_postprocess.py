from __future__ import annotations

from dialogue.domain import Domain
from dialogue.messages import Entity, IntentScore
from dialogue.nlu.base import READABLE_KEY
from dialogue.nlu.conflicts import EntityConflictResolver
from dialogue.nlu.fallback import FALLBACK_INTENT, FallbackClassifier
from dialogue.nlu.synonyms import SynonymMapper
from nlu_helpers import parse_of


def ent(type_: str, start: int, end: int, extractor: str, confidence: float = 1.0, text: str = "x") -> Entity:
    return Entity(type=type_, value=text, text=text, start=start, end=end, extractor=extractor, confidence=confidence)


def test_synonyms_map_text_and_value(domain: Domain) -> None:
    mapper = SynonymMapper.from_config(SynonymMapper.Config(synonyms={"pie": "pizza"}), domain)
    parse = parse_of("to the big apple", entities=(ent("city", 7, 16, "joint_bert", text="big apple"),))
    assert mapper.process(parse).entities[0].value == "New York"
    other = parse_of("a pie", entities=(ent("food", 2, 5, "lookup_entities", text="pie"),))
    assert mapper.process(other).entities[0].value == "pizza"
    untouched = parse_of("Paris", entities=(ent("city", 0, 5, "x", text="Paris"),))
    assert mapper.process(untouched) == untouched


def test_conflicts_priority_then_length_then_confidence() -> None:
    resolver = EntityConflictResolver(EntityConflictResolver.Config(priority=["regex_entities", "joint_bert"]))
    by_priority = resolver.resolve((ent("a", 0, 10, "joint_bert"), ent("b", 2, 5, "regex_entities")))
    assert [e.type for e in by_priority] == ["b"]
    by_length = resolver.resolve((ent("a", 0, 4, "spacy_entities"), ent("b", 2, 9, "other")))
    assert [e.type for e in by_length] == ["b"]  # neither listed: the longer span wins
    by_confidence = resolver.resolve((ent("a", 0, 4, "x", 0.6), ent("b", 0, 4, "y", 0.9)))
    assert [e.type for e in by_confidence] == ["b"]
    apart = resolver.resolve((ent("a", 0, 4, "x"), ent("b", 4, 8, "y")))
    assert len(apart) == 2  # touching is not overlapping


def test_conflicts_same_extractor_is_configurable() -> None:
    pair = (ent("a", 0, 4, "lookup_entities"), ent("b", 0, 9, "lookup_entities"))
    assert len(EntityConflictResolver().resolve(pair)) == 2
    strict = EntityConflictResolver(EntityConflictResolver.Config(same_extractor=True))
    assert [e.type for e in strict.resolve(pair)] == ["b"]


def ranked(*scores: tuple[str, float]) -> dict[str, object]:
    ranking = tuple(IntentScore(name=n, confidence=c) for n, c in scores)
    return {"intent": ranking[0], "intent_ranking": ranking}


def test_fallback_threshold_defaults_to_domain_setting(domain: Domain) -> None:
    fallback = FallbackClassifier.from_config(FallbackClassifier.Config(), domain)
    assert fallback.threshold == domain.settings.fallback_threshold
    sure = parse_of("hi", **ranked(("greet", 0.9), ("weather", 0.1)))
    assert fallback.process(sure) == sure
    unsure = fallback.process(parse_of("hm", **ranked(("greet", 0.4), ("weather", 0.35), ("order", 0.25))))
    assert unsure.intent.name == FALLBACK_INTENT
    assert [s.name for s in unsure.intent_ranking] == ["greet", "weather", "order"]  # kept for "did you mean"
    assert unsure.metadata[FALLBACK_INTENT]["suggestions"] == ["greet", "weather", "order"]
    assert unsure.metadata[FALLBACK_INTENT]["predicted"] == "greet"


def test_fallback_configured_threshold_oos_and_ambiguity(domain: Domain) -> None:
    strict = FallbackClassifier.from_config(FallbackClassifier.Config(threshold=0.95), domain)
    assert strict.process(parse_of("hi", **ranked(("greet", 0.9), ("x", 0.1)))).intent.name == FALLBACK_INTENT
    oos = FallbackClassifier.from_config(FallbackClassifier.Config(oos_labels=["chitchat"]), domain)
    result = oos.process(parse_of("lol", **ranked(("chitchat", 0.99), ("greet", 0.01))))
    assert result.intent.name == FALLBACK_INTENT
    assert result.metadata[FALLBACK_INTENT]["suggestions"] == ["greet"]
    ambiguous = FallbackClassifier.from_config(FallbackClassifier.Config(threshold=0.1, ambiguity_threshold=0.1), domain)
    assert ambiguous.process(parse_of("x", **ranked(("a", 0.5), ("b", 0.45)))).intent.name == FALLBACK_INTENT
    assert ambiguous.process(parse_of("x", **ranked(("a", 0.7), ("b", 0.3)))).intent.name == "a"
    assert ambiguous.process(parse_of("no classifier ran")).intent.name == FALLBACK_INTENT


def test_fallback_min_similarity(domain: Domain) -> None:
    fallback = FallbackClassifier.from_config(FallbackClassifier.Config(threshold=0.1, min_similarity=0.6), domain)
    far = parse_of("x", metadata={"nlu_similarity": 0.4}, **ranked(("a", 0.99), ("b", 0.01)))
    assert fallback.process(far).intent.name == FALLBACK_INTENT
    near = parse_of("x", metadata={"nlu_similarity": 0.8}, **ranked(("a", 0.99), ("b", 0.01)))
    assert fallback.process(near).intent.name == "a"
    unknown = parse_of("x", **ranked(("a", 0.99), ("b", 0.01)))  # no similarity given: not a reason
    assert fallback.process(unknown).intent.name == "a"


def test_a_message_with_no_word_the_bot_knows_is_unclear_however_confident(domain: Domain) -> None:
    fallback = FallbackClassifier.from_config(FallbackClassifier.Config(), domain)
    for intent in ("greet", "out_of_scope"):  # an in-scope intent, and the explicit out-of-scope one
        junk = parse_of("asdkjh qwe", metadata={READABLE_KEY: False}, **ranked((intent, 0.95), ("x", 0.05)))
        result = fallback.process(junk)
        assert result.intent.name == FALLBACK_INTENT
        assert result.metadata[FALLBACK_INTENT]["reason"] == "unclear: no word the bot knows"
    known = parse_of("hello", metadata={READABLE_KEY: True}, **ranked(("greet", 0.95), ("x", 0.05)))
    assert fallback.process(known).intent.name == "greet"
    digits = parse_of("104233", **ranked(("order_status", 0.95), ("x", 0.05)))  # nothing judged: no key
    assert fallback.process(digits).intent.name == "order_status"
