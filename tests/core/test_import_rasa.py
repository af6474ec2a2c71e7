"""`dialogue import rasa`: Rasa 3.x projects (the `rasa init` mood bot, a form bot) become domains that validate
and run their converted test stories; what does not carry over is in the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dialogue.domain import load_domain
from dialogue.importers.rasa import import_rasa
from dialogue.importers.rasa.pipeline import RASA_COMPONENTS, convert_pipeline
from dialogue.importers.rasa.report import Report
from dialogue.validation import validate_domain

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / "tests" / "fixtures" / "rasa"


def dialogue_test(domain: Path) -> dict:  # type: ignore[type-arg]
    results = domain.parent / f"{domain.name}-results.json"
    done = subprocess.run([sys.executable, "-m", "dialogue", "test", str(domain), "--no-nlu-cv", "--json", str(results)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=900)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(results.read_text())


def rules_of(domain: Path) -> list[dict]:  # type: ignore[type-arg]
    return yaml.safe_load((domain / "rules.yml").read_text())["rules"]


@pytest.fixture(scope="module")
def mood(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("import") / "moodbot"
    import_rasa(RASA / "moodbot", out)
    return out


def test_the_mood_bot_converts_completely(mood: Path):
    problems, domain = validate_domain(mood)
    assert problems == [] and domain is not None
    assert set(domain.intents) == {"greet", "goodbye", "affirm", "deny", "mood_great", "mood_unhappy", "bot_challenge"}
    assert len(domain.intents["mood_unhappy"].examples) == 14
    assert domain.settings.fallback_threshold == 0.3  # Rasa's default FallbackClassifier
    assert domain.responses["utter_cheer_up"][0].payload == {"image": "https://i.imgur.com/nGF1K8f.jpg"}
    whens = {(r["when"]["intent"], r["when"].get("previous_action")): [s for step in r["then"] for s in step.values()]
             for r in rules_of(mood)}
    assert whens == {  # rules as written; story turns keep the bot's previous action as context
        ("goodbye", None): ["utter_goodbye"], ("bot_challenge", None): ["utter_iamabot"],
        ("greet", None): ["utter_greet"], ("mood_great", "utter_greet"): ["utter_happy"],
        ("mood_unhappy", "utter_greet"): ["utter_cheer_up", "utter_did_that_help"],
        ("affirm", "utter_did_that_help"): ["utter_happy"], ("deny", "utter_did_that_help"): ["utter_goodbye"],
    }
    report = (mood / "IMPORT_REPORT.md").read_text()
    assert "## Not converted" not in report and "session_config" in report


def test_the_mood_bot_passes_its_test_stories_wherever_the_nlu_reads_the_message_as_labelled(mood: Path):
    """Every converted story passes unless the classifier misreads a message; the conversion itself fails none.

    (With the default TF-IDF classifier, "not very much" — deny, in sad path 2 — reads as mood_unhappy, like
    the training example "not very good": an NLU limit that the lead's classifier work addresses.)
    """
    results = dialogue_test(mood)
    assert results["passed"] + results["failed"] == 7
    for test in results["tests"]:
        if test["passed"]:
            continue
        first = min(f["turn"] for f in test["failures"])
        assert {f["field"] for f in test["failures"] if f["turn"] == first} >= {"intent"}, test["failures"]
    assert results["passed"] >= 6


@pytest.fixture(scope="module")
def pizza(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("import") / "pizzabot"
    import_rasa(RASA / "pizzabot", out)
    return out


def test_the_form_bot_converts_slots_mappings_forms_responses_and_nlu_data(pizza: Path):
    domain = load_domain(pizza)
    assert list(domain.forms["pizza_form"].slots) == ["pizza_size", "pizza_type", "quantity", "delivery"]
    assert domain.forms["pizza_form"].slots["quantity"].prompt == "utter_ask_quantity"
    assert domain.slots["quantity"].type == "number" and domain.slots["delivery"].type == "boolean"
    assert [(f.source, f.intent, f.value) for f in domain.slots["delivery"].fill] == [
        ("intent", ["affirm"], True), ("intent", ["deny"], False)]
    assert domain.slots["notes"].fill[0].source == "text" and domain.slots["notes"].fill[0].not_intent == ["deny"]
    assert domain.slots["order_number"].fill[0].source == "action"
    assert domain.entities["pizza_size"].synonyms == {"large": ["big", "huge"]}
    assert "margherita" in domain.entities["pizza_type"].lookup and domain.entities["number"].regex == [r"\b\d{1,2}\b"]
    variants = domain.responses["utter_order_summary"]
    assert variants[0].condition == {"delivery": True} and "{{ quantity }}" in variants[0].text
    assert domain.responses["utter_ask_pizza_size"][0].buttons[2].payload == '/inform{"pizza_size":"large"}'
    assert domain.responses["utter_goodbye"][0].channel == "slack"
    assert [s.use for s in domain.pipeline.nlu] == ["regex_entities", "lookup_entities", "tfidf_intent", "pleasantries",
                                                   "multiple_requests", "negated_requests", "past_requests", "synonyms",
                                                   "entity_conflicts", "fallback"]
    assert domain.pipeline.nlu[-1].params == {"threshold": 0.4}


def test_the_report_lists_what_did_not_carry_over(pizza: Path):
    report = (pizza / "IMPORT_REPORT.md").read_text()
    for expected in ("checkpoint", "use_entities", "min_value/max_value", "ignored_intents", "TEDPolicy",
                     "action_place_order", "validate_pizza_form_quantity"):
        assert expected in report, expected
    skeleton = (pizza / "plugins" / "rasa_actions.py").read_text()
    assert '@action("action_place_order")' in skeleton and "# class ActionPlaceOrder(Action):" in skeleton


def test_the_form_bot_passes_its_test_stories_once_its_custom_action_is_ported(pizza: Path, tmp_path: Path):
    before = dialogue_test(pizza)
    failed = [t for t in before["tests"] if not t["passed"]]
    assert [t["name"] for t in failed] == ["order a pizza for delivery"]  # the skeleton raises NotImplementedError
    ported = tmp_path / "pizzabot"
    import shutil

    shutil.copytree(pizza, ported, ignore=shutil.ignore_patterns(".dialogue"))
    actions = ported / "plugins" / "rasa_actions.py"
    actions.write_text(actions.read_text().replace(
        '    raise NotImplementedError("action_place_order is not ported yet: fill it in, in plugins/rasa_actions.py")',
        '    ctx.set_slot("order_number", "P-17")'))
    after = dialogue_test(ported)
    assert after["failed"] == 0, [t["failures"] for t in after["tests"] if not t["passed"]]
    order = after["tests"][0]["turns"][-1]
    assert [m["response"] for m in order["bot"]] == ["utter_submit", "utter_order_summary"]
    assert "Order P-17: 2 large pepperoni, delivered" in order["bot"][1]["text"]


def test_the_pipeline_table_maps_rasa_components_to_the_nearest_ones():
    report = Report("x")
    pipeline, threshold = convert_pipeline({"pipeline": [
        {"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer"}, {"name": "DIETClassifier", "epochs": 100},
        {"name": "SpacyEntityExtractor"}, {"name": "EntitySynonymMapper"}, {"name": "ResponseSelector"},
        {"name": "MyCustomThing"}, {"name": "FallbackClassifier", "threshold": 0.6, "ambiguity_threshold": 0.1},
    ]}, report, has_lookups=False)
    assert pipeline["nlu"] == ["spacy_entities", "joint_bert", "pleasantries", "multiple_requests", "negated_requests",
                               "past_requests", "synonyms", "entity_conflicts",
                               {"use": "fallback", "threshold": 0.6, "ambiguity_threshold": 0.1}]
    assert threshold == 0.6
    reported = " ".join(n.what for n in report.notes)
    assert "retrieval intents" in reported and "unknown component" in reported and "epochs" in reported
    assert all(m.use is None or m.use in ("joint_bert", "tfidf_intent", "regex_entities", "spacy_entities",
                                          "synonyms", "fallback") for m in RASA_COMPONENTS.values())


def test_import_refuses_a_folder_that_is_not_a_rasa_project(tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "dialogue", "import", "rasa", str(tmp_path), str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "not a Rasa project" in result.stdout
