from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialogue.domain import Domain
from dialogue.messages import Entity, IntentScore
from dialogue.nlu.evaluation import cross_validate, pipeline_specs, score
from dialogue.nlu.fallback import FALLBACK_INTENT
from dialogue.nlu.training_data import EntitySpan, TrainingExample
from nlu_helpers import parse_of, write_domain

KEYS = {"intent_accuracy", "intent_macro_f1", "entity_f1", "sentence_accuracy", "oos_recall", "train_seconds",
        "latency_p50_ms", "latency_p95_ms"}


def predicted(text: str, intent: str, *spans: tuple[str, int, int]) -> object:
    entities = tuple(Entity(type=t, value="v", text=text[s:e], start=s, end=e) for t, s, e in spans)
    return parse_of(text, intent=IntentScore(name=intent, confidence=0.9), entities=entities)


def test_score_by_hand() -> None:
    gold = [
        TrainingExample("fly to paris", "book", (EntitySpan(7, 12, "city", "paris"),)),
        TrainingExample("hi", "greet"),
        TrainingExample("fly to rome now", "book", (EntitySpan(7, 11, "city", "rome"), EntitySpan(12, 15, "time", "now"))),
        TrainingExample("tell me a joke", "oos"),
    ]
    pred = [
        predicted("fly to paris", "book", ("city", 7, 12)),
        predicted("hi", "book"),
        predicted("fly to rome now", "book", ("city", 7, 11), ("city", 12, 15)),
        predicted("tell me a joke", FALLBACK_INTENT),
    ]
    result = score(gold, pred, oos_label="oos")
    assert result["intent_accuracy"] == pytest.approx(2 / 3)  # in-scope examples only
    assert result["oos_recall"] == 1.0
    assert result["entity_precision"] == pytest.approx(2 / 3) and result["entity_recall"] == pytest.approx(2 / 3)
    assert result["sentence_accuracy"] == pytest.approx(2 / 4)
    assert result["confusions"] == [["greet", "book", 1]]
    assert score(gold[:3], pred[:3])["oos_recall"] is None


def test_fallback_undone_without_oos_label() -> None:
    gold = [TrainingExample("hi", "greet")]
    fallen = parse_of("hi", intent=IntentScore(name=FALLBACK_INTENT, confidence=0.6), metadata={FALLBACK_INTENT: {"predicted": "greet"}})
    assert score(gold, [fallen])["intent_accuracy"] == 1.0
    assert score(gold, [fallen], oos_label="oos")["intent_accuracy"] == 0.0


def test_cross_validate_domain(domain: Domain) -> None:
    result = cross_validate(domain, folds=3, seed=0)
    assert KEYS <= set(result) and result["folds"] == 3 and result["examples"] == 18
    assert result["intent_accuracy"] > 0.5  # 18 examples, 3 distinct intents: far above the 1/3 chance level
    assert result["oos_recall"] is None


def test_pipeline_specs_presets_and_file(tmp_path: Path) -> None:
    assert "joint_bert" in [s.use for s in pipeline_specs("bert")]
    path = tmp_path / "p.yml"
    path.write_text("pipeline:\n  nlu:\n    - tfidf_intent\n    - use: fallback\n      threshold: 0.2\n", encoding="utf-8")
    specs = pipeline_specs(str(path))
    assert [s.use for s in specs] == ["tfidf_intent", "fallback"] and specs[1].params == {"threshold": 0.2}
    with pytest.raises(ValueError, match="not a preset"):
        pipeline_specs("nonsense")


def test_cli_evaluate_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialogue.cli import main

    train = tmp_path / "train.csv"
    train.write_text("text,label\n" + "".join(f"hello {w},greet\nbye {w},bye\nplay some {w},oos\n" for w in ("a", "b", "c", "d")))
    test = tmp_path / "test.csv"
    test.write_text("text,label\nhello there,greet\nbye now,bye\nplay some jazz,oos\n")
    out = tmp_path / "out" / "scores.json"
    assert main(["evaluate", "nlu", "--train", str(train), "--test", str(test), "--json", str(out), "--oos-label", "oos",
                 "--pipeline", "tfidf"]) == 0
    result = json.loads(out.read_text())
    assert KEYS <= set(result) and result["oos_recall"] is not None
    assert "intent accuracy" in capsys.readouterr().out


def test_cli_evaluate_domain_folder_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialogue.cli import main

    folder = write_domain(tmp_path / "dom")
    assert main(["evaluate", "nlu", "--train", str(folder), "--test", str(folder / "nlu.yml")]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("text\nhi\n")
    assert main(["evaluate", "nlu", "--train", str(bad), "--test", str(bad)]) == 1
    assert "bad.csv:1" in capsys.readouterr().err
