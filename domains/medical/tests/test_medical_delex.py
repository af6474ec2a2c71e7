"""``delex_tfidf_intent``: entities are read as their types, so unseen doctors and days still classify."""

from __future__ import annotations

from pathlib import Path

from dialogue.components import build_component, load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import Entity, IntentScore, ParsedMessage
from dialogue.nlu.training_data import TrainingData, parse_annotated

PACK = Path(__file__).resolve().parents[1]
domain = load_domain(PACK)
load_local_plugins(domain)


def test_delexicalise_replaces_spans_and_keeps_the_longest_overlap() -> None:
    from dialogue.registry import registry

    module = __import__(registry("nlu").get("delex_tfidf_intent").__module__, fromlist=["delexicalise"])
    text = "book Dr. Patel since Monday"
    spans = [(5, 14, "doctor"), (15, 27, "since"), (21, 27, "date")]
    assert module.delexicalise(text, spans) == "book _doctor_ _since_"
    assert module.delexicalise("no entities here", []) == "no entities here"


def test_unseen_entity_values_are_classified_by_their_type(tmp_path: Path) -> None:
    """Trained on two intents whose examples name other doctors and days than the test messages."""
    examples = [parse_annotated(raw, intent) for intent, raws in {
        "book": ["book me with [Dr. Patel](doctor) on [Monday](date)", "I want [Dr. Chen](doctor) [tomorrow](date)",
                 "see [Dr. Kim](doctor) [Friday](date) please", "appointment with [Dr. Rossi](doctor)"],
        "hours": ["when are you open", "what are your opening hours", "are you open on [Sunday](date)",
                  "what time do you close"],
    }.items() for raw in raws]
    component = build_component("nlu", ComponentSpec(use="delex_tfidf_intent", calibrate=False), domain)
    component.train(TrainingData(tuple(examples)))
    component.save(tmp_path / "model")
    loaded = build_component("nlu", ComponentSpec(use="delex_tfidf_intent"), domain)
    loaded.load(tmp_path / "model")
    text = "Becker Thursday"  # neither value was in the training data
    parse = ParsedMessage(
        conversation_id="c", turn_id=1, text=text, intent=IntentScore(name="", confidence=0.0),
        entities=(Entity(type="doctor", value="Dr. Thomas Becker", text="Becker", start=0, end=6),
                  Entity(type="date", value="Thursday", text="Thursday", start=7, end=15)),
    )
    result = loaded.process(parse)
    assert result.intent.name == "book"
    assert result.text == text and result.entities == parse.entities  # only the intent changes
    assert component.fingerprint(TrainingData(tuple(examples))) != build_component(
        "nlu", ComponentSpec(use="tfidf_intent", calibrate=False), domain).fingerprint(TrainingData(tuple(examples)))
