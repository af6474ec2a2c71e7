from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domain import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.nlu.pipeline_builder import build_nlu, parse_one, train_or_load
from dialogue.nlu.tfidf import TfidfIntentClassifier
from dialogue.nlu.training_data import TrainingData, TrainingExample


def test_default_pipeline_end_to_end(domain: Domain) -> None:
    components = build_nlu(domain, model_root=False)
    parse = parse_one(components, "order a LARGE pizza to the big apple")
    assert parse.intent.name == "order_pizza"
    assert {(e.type, e.value) for e in parse.entities} == {("size", "large"), ("city", "New York")}


def test_model_reused_by_hash(domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = domain.training_data()
    first = TfidfIntentClassifier()
    assert train_or_load(first, "tfidf_intent", data, tmp_path) == "trained"
    folder = tmp_path / "tfidf_intent" / first.fingerprint(data)
    assert (folder / "meta.json").is_file()

    def no_training(*_: object, **__: object) -> None:
        raise AssertionError("should have been loaded, not trained")

    second = TfidfIntentClassifier()
    monkeypatch.setattr(second, "train", no_training)
    assert train_or_load(second, "tfidf_intent", data, tmp_path) == "loaded"
    assert second.labels == first.labels

    changed = TrainingData((*data.examples, TrainingExample("howdy", "greet")), data.synonyms)
    third = TfidfIntentClassifier()
    assert train_or_load(third, "tfidf_intent", changed, tmp_path) == "trained"
    assert len(list((tmp_path / "tfidf_intent").iterdir())) == 2
    other_config = TfidfIntentClassifier(TfidfIntentClassifier.Config(C=2.0))
    assert train_or_load(other_config, "tfidf_intent", data, tmp_path) == "trained"


def test_damaged_model_folder_is_retrained(domain: Domain, tmp_path: Path) -> None:
    data = domain.training_data()
    model = TfidfIntentClassifier()
    folder = tmp_path / "tfidf_intent" / model.fingerprint(data)
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text("{not json", encoding="utf-8")
    assert train_or_load(model, "tfidf_intent", data, tmp_path) == "trained"
    assert TfidfIntentClassifier().fingerprint(data) == folder.name


def test_build_stores_under_domain_model_dir(domain: Domain) -> None:
    build_nlu(domain, [ComponentSpec(use="tfidf_intent")])
    assert any((domain.model_dir / "tfidf_intent").iterdir())
