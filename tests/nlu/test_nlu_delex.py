"""tfidf_intent with delexicalise: entities are read as their types, so unseen values still classify."""

from __future__ import annotations

from pathlib import Path

from dialogue.messages import Entity, IntentScore, ParsedMessage
from dialogue.nlu.delex import delexicalise
from dialogue.nlu.tfidf import TfidfIntentClassifier
from dialogue.nlu.training_data import TrainingData, parse_annotated

EXAMPLES = {
    "book": ["book me with [Dr. Patel](doctor) on [Monday](date)", "I want [Dr. Chen](doctor) [tomorrow](date)",
             "see [Dr. Kim](doctor) [Friday](date) please", "appointment with [Dr. Rossi](doctor)"],
    "hours": ["when are you open", "what are your opening hours", "are you open on [Sunday](date)",
              "what time do you close"],
}


def data() -> TrainingData:
    return TrainingData(tuple(parse_annotated(raw, intent) for intent, raws in EXAMPLES.items() for raw in raws))


def test_delexicalise_replaces_spans_and_keeps_the_longest_overlap():
    spans = [(5, 14, "doctor"), (15, 27, "since"), (21, 27, "date")]
    assert delexicalise("book Dr. Patel since Monday", spans) == "book _doctor_ _since_"
    assert delexicalise("no entities here", []) == "no entities here"


def test_unseen_entity_values_are_classified_by_their_type(tmp_path: Path):
    config = TfidfIntentClassifier.Config(delexicalise=True, calibrate=False)
    trained = TfidfIntentClassifier(config)
    trained.train(data())
    trained.save(tmp_path / "model")
    loaded = TfidfIntentClassifier(config)
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
    plain = TfidfIntentClassifier(TfidfIntentClassifier.Config(calibrate=False))
    assert trained.fingerprint(data()) != plain.fingerprint(data())
