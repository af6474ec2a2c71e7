from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domain import Domain
from dialogue.nlu.base import READABLE_KEY
from dialogue.nlu.tfidf import NotTrainedError, TfidfIntentClassifier
from dialogue.nlu.training_data import TrainingData, TrainingExample

from nlu_helpers import parse_of


def trained(domain: Domain) -> TfidfIntentClassifier:
    classifier = TfidfIntentClassifier.from_config(TfidfIntentClassifier.Config(), domain)
    classifier.train(domain.training_data())
    return classifier


def test_predicts_unseen_paraphrases(domain: Domain) -> None:
    classifier = trained(domain)
    assert classifier.process(parse_of("hello, good morning to you")).intent.name == "greet"
    assert classifier.process(parse_of("I'd like a large pizza please")).intent.name == "order_pizza"
    assert classifier.process(parse_of("is it going to rain in Paris")).intent.name == "weather"


def test_ranking_is_sorted_probabilities(domain: Domain) -> None:
    parse = trained(domain).process(parse_of("what is the weather"))
    confidences = [s.confidence for s in parse.intent_ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert {s.name for s in parse.intent_ranking} == {"greet", "order_pizza", "weather"}
    assert sum(confidences) == pytest.approx(1.0, abs=1e-3)
    assert parse.intent == parse.intent_ranking[0]


def test_save_load_round_trip(domain: Domain, tmp_path: Path) -> None:
    classifier = trained(domain)
    classifier.save(tmp_path / "m")
    again = TfidfIntentClassifier()
    again.load(tmp_path / "m")
    for text in ("hi", "pizza time", "sunny?"):
        assert again.process(parse_of(text)).intent_ranking == classifier.process(parse_of(text)).intent_ranking


def test_fingerprint_follows_data_and_config(domain: Domain) -> None:
    data = domain.training_data()
    a = TfidfIntentClassifier().fingerprint(data)
    assert a == TfidfIntentClassifier().fingerprint(TrainingData(tuple(reversed(data.examples)), data.synonyms))
    assert a != TfidfIntentClassifier(TfidfIntentClassifier.Config(C=1.0)).fingerprint(data)
    more = TrainingData((*data.examples, TrainingExample("yo", "greet")), data.synonyms)
    assert a != TfidfIntentClassifier().fingerprint(more)


def test_untrained_and_empty_data_are_clear_errors() -> None:
    with pytest.raises(NotTrainedError):
        TfidfIntentClassifier().process(parse_of("hi"))
    with pytest.raises(ValueError, match="no training examples"):
        TfidfIntentClassifier().train(TrainingData(()))


def test_single_intent_domain() -> None:
    classifier = TfidfIntentClassifier()
    classifier.train(TrainingData((TrainingExample("hi", "greet"), TrainingExample("hello", "greet"))))
    assert classifier.process(parse_of("anything")).intent.name == "greet"


def test_spelling_reads_typos_as_the_example_words_and_survives_saving(domain: Domain, tmp_path: Path) -> None:
    classifier = TfidfIntentClassifier.from_config(TfidfIntentClassifier.Config(spelling=True), domain)
    classifier.train(domain.training_data())
    assert classifier.spelling is not None
    assert classifier.spelling.correct("i want a margarita pizzza") == "i want a margarita pizza"  # a real word stays
    assert classifier.spelling.correct("weater forecast") == "weather forecast"
    classifier.save(tmp_path / "m")
    again = TfidfIntentClassifier()
    again.load(tmp_path / "m")
    assert again.spelling is not None and again.spelling.correct("umbrela today") == "umbrella today"
    for text in ("weater forcast please", "pepperonni please"):
        assert again.process(parse_of(text)).intent_ranking == classifier.process(parse_of(text)).intent_ranking
    assert TfidfIntentClassifier().spelling is None  # off unless asked for: the light pipeline reads text as written
    # with the corrector comes the judgement the fallback reads: does the message hold any word the bot knows?
    assert again.process(parse_of("asdkjh qwe")).metadata[READABLE_KEY] is False
    assert again.process(parse_of("weater forcast please")).metadata[READABLE_KEY] is True
    plain = TfidfIntentClassifier()
    plain.train(domain.training_data())
    assert READABLE_KEY not in plain.process(parse_of("asdkjh qwe")).metadata  # no corrector, no judgement
