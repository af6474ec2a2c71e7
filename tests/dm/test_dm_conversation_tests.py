"""``dialogue test``: scripted conversations through the real pipeline (TF-IDF NLU, rules, templates)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dialogue.cli import main
from dialogue.domain import DomainError
from dialogue.testing.format import load_cases

CONVO = Path(__file__).parent / "convo"


@pytest.fixture(scope="module")
def domain_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the minic domain, so trained models land in a temp folder."""
    target = tmp_path_factory.mktemp("convo") / "minic"
    shutil.copytree(CONVO, target, ignore=shutil.ignore_patterns(".dialogue", "__pycache__"))
    return target


def test_passing_suite_exits_zero_and_writes_json(domain_copy: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    assert main(["test", str(domain_copy), "--no-nlu-cv", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert (results["passed"], results["failed"]) == (5, 0)
    assert results["nlu"] == {"status": "skipped"}
    first = results["tests"][0]
    assert first["name"] == "book an appointment with a correction" and first["passed"]
    assert first["turns"][2]["bot"][0]["response"] == "utter_invalid_day"
    down = next(t for t in results["tests"] if t["name"] == "booking service down keeps the form")
    assert any("booking system unreachable" in line for line in down["logs"])  # logged with the test, not printed
    assert "5 passed, 0 failed" in capsys.readouterr().out


FAILING = """
tests:
  - name: wrong expectations
    steps:
      - user: hello
        intent: book
        bot: [utter_ask_day]
      - user: I want to book an appointment
        bot: [utter_ask_day]
        slots: {day: monday}
        events: [form_ended]
  - name: right expectations
    steps:
      - user: when are you open
        bot: [{text: "8 to 6"}]
"""


def test_failures_are_reported_with_diffs_and_exit_one(domain_copy: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "failing.yml"
    file.write_text(FAILING)
    out = tmp_path / "results.json"
    assert main(["test", str(domain_copy), str(file), "--no-nlu-cv", "--json", str(out)]) == 1
    results = json.loads(out.read_text())
    assert (results["passed"], results["failed"]) == (1, 1)
    failures = results["tests"][0]["failures"]
    assert [(f["turn"], f["field"]) for f in failures] == [(1, "intent"), (1, "bot"), (2, "slots"), (2, "events")]
    assert failures[0]["actual"] == "greet"
    assert failures[1]["actual"][0].startswith("utter_greet: Hello!")
    assert failures[2] == {"turn": 2, "user": "I want to book an appointment", "field": "slots",
                           "expected": {"day": "monday"}, "actual": {"day": None}}
    printed = capsys.readouterr().out
    assert "✗ wrong expectations" in printed and "- expected utter_ask_day" in printed
    assert "+ actual   utter_greet: Hello!" in printed and "dm: intent greet" in printed


def test_nlu_cross_validation_scores_in_json(domain_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    file = tmp_path / "one.yml"
    file.write_text("tests:\n  - name: hi\n    steps:\n      - user: hello\n        bot: [utter_greet]\n")
    assert main(["test", str(domain_copy), str(file), "--json", str(out)]) == 0
    nlu = json.loads(out.read_text())["nlu"]
    assert nlu["status"] == "ok" and 0 <= nlu["intent_accuracy"] <= 1 and nlu["folds"] >= 2


def test_malformed_test_file_points_at_the_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.yml"
    file.write_text("tests:\n  - name: x\n    steps:\n      - user: hi\n        bott: [utter_greet]\n")
    with pytest.raises(DomainError) as info:
        load_cases(file)
    assert f"{file}:5:9" in str(info.value) and "bott" in str(info.value)


def test_malformed_file_is_a_usage_error(domain_copy: Path, tmp_path: Path) -> None:
    file = tmp_path / "bad.yml"
    file.write_text("tests: []\n")
    assert main(["test", str(domain_copy), str(file), "--no-nlu-cv"]) == 2
