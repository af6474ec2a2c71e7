"""Sensitive slots: stored and used as usual, shown as *** in explanations, /debug, /slots and reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from rich.console import Console

from dialogue.chat.render import debug_panel, slots_table
from dialogue.domain import Domain, load_domain
from dialogue.domain.schema.dm import SlotSpec
from dialogue.dm.redaction import MASK, display_value, redact_text
from dialogue.messages import SlotSet
from dialogue.testing.report import print_result
from dialogue.testing.conversation_runner import CaseResult, Failure
from dialogue.turns import TurnResult
from dm_helpers import Chat, make_manager, parse

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Jane Q. Patient"

DOMAIN = {
    "intents": {"inform": ["my name is jane"], "greet": ["hi"]},
    "entities": {"name": {}, "city": {}, "age": {}},
    "slots": {
        "patient_name": {"type": "text", "sensitive": True, "fill": [{"from": "entity", "entity": "name"}]},
        "city": {"type": "text", "fill": [{"from": "entity", "entity": "city"}]},
        "age": {"type": "number", "sensitive": True, "fill": [{"from": "entity", "entity": "age"}]},
    },
    "rules": [{"name": "thanks", "when": {"intent": "inform"}, "then": [{"respond": "utter_thanks"}]},
              {"name": "jane", "when": {"intent": "greet", "slots": {"patient_name": "Someone Else"}},
               "then": [{"respond": "utter_thanks"}]}],
    "responses": {"utter_thanks": ["Thanks {{ patient_name }} from {{ city }}."]},
}


def tiny(tmp_path: Path) -> Domain:
    (tmp_path / "domain.yml").write_text(yaml.safe_dump(DOMAIN, sort_keys=False))
    return load_domain(tmp_path)


def test_display_value_masks_only_sensitive_set_slots() -> None:
    slots = {"name": SlotSpec(type="text", sensitive=True), "city": SlotSpec(type="text")}
    assert display_value("name", SECRET, slots) == MASK
    assert display_value("name", None, slots) == "None"  # unset is not a secret
    assert display_value("city", "Leeds", slots) == "'Leeds'"
    assert display_value("unknown", 3, slots) == "3"
    assert display_value("name", SECRET, None) == repr(SECRET)
    assert redact_text(f"{SECRET!r} is not a number", "name", SECRET, slots) == "*** is not a number"
    assert redact_text("'Leeds' is too far", "city", "Leeds", slots) == "'Leeds' is too far"


async def test_explanation_masks_sensitive_slot_but_bot_and_tracker_use_it(tmp_path: Path) -> None:
    chat = Chat(make_manager(tiny(tmp_path)))
    await chat.say("inform", name=SECRET, city="Leeds", age="forty")
    explanation = "\n".join(chat.decision.explanation)
    assert SECRET not in explanation and "forty" not in explanation
    assert f"patient_name = {MASK} (from the message)" in explanation
    assert "city = 'Leeds'" in explanation
    assert f"slot age not set: {MASK} is not a number" in explanation
    assert chat.slots["patient_name"] == SECRET  # stored as is
    assert chat.decision.acts[0].slots["patient_name"] == SECRET  # and passed to the template


async def test_form_reasons_and_corrections_mask_sensitive_slots(tmp_path: Path) -> None:
    sections = {
        **DOMAIN,
        "intents": {**DOMAIN["intents"], "phone": ["call me"]},
        "entities": {**DOMAIN["entities"], "phone": {}},
        "slots": {**DOMAIN["slots"],
                  "phone": {"type": "text", "sensitive": True, "fill": [{"from": "entity", "entity": "phone"}]}},
        "forms": {"contact": {"slots": {"phone": {"prompt": "utter_thanks", "validate": {"regex": r"\d{5}"}},
                                        "city": {"prompt": "utter_thanks"}}}},
        "rules": [{"name": "contact", "when": {"intent": "phone"}, "then": [{"start_form": "contact"}]}],
    }
    (tmp_path / "domain.yml").write_text(yaml.safe_dump(sections, sort_keys=False))
    chat = Chat(make_manager(load_domain(tmp_path)))
    lines: list[str] = []
    for number in ("55-bad", "55555", "66666"):
        await chat.say("phone", phone=number)
        lines.extend(chat.decision.explanation)
    explanation = "\n".join(lines)
    assert chat.slots["phone"] == "66666"
    assert "55" not in explanation and "66666" not in explanation
    assert f"form contact: phone invalid: {MASK} does not match" in explanation
    assert f"phone = {MASK} (form contact: corrected phone from {MASK})" in explanation


async def test_rule_reasons_for_debug_mask_sensitive_slots(tmp_path: Path) -> None:
    manager = make_manager(tiny(tmp_path))
    chat = Chat(manager)
    await chat.say("inform", name=SECRET)
    tracker = await manager.tracker("c1")
    reasons = dict(manager.explain_rules(parse("c1", "greet"), tracker))
    assert reasons["jane"] == f"slot patient_name is {MASK}, not 'Someone Else'"


def render(renderable) -> str:
    console = Console(record=True, width=200)
    console.print(renderable)
    return console.export_text()


def test_debug_panel_and_slots_table_mask_sensitive_slots(tmp_path: Path) -> None:
    domain = tiny(tmp_path)
    trace = TurnResult("c1", 1, parse=parse("c1", "inform", name=SECRET, city="Leeds"),
                       events=[SlotSet(conversation_id="c1", turn_id=1, name="patient_name", value=SECRET),
                               SlotSet(conversation_id="c1", turn_id=1, name="city", value="Leeds")])
    panel = render(debug_panel(trace, [], domain.slots))
    assert SECRET not in panel and f"patient_name={MASK}" in panel and "city='Leeds'" in panel
    table = render(slots_table({"patient_name": SECRET, "city": "Leeds", "age": None}, domain.slots))
    assert SECRET not in table and MASK in table and "'Leeds'" in table and "unset" in table


def test_failure_report_masks_sensitive_slots(tmp_path: Path) -> None:
    domain = tiny(tmp_path)
    result = CaseResult("t", "t.yml", 1, failures=[
        Failure(1, "hi", "slots", {"patient_name": "Other Name", "city": "York"}, {"patient_name": SECRET, "city": "Leeds"}),
        Failure(1, "hi", "events", ["slot_set(name='patient_name', value='Other Name')"],
                [f"slot_set(name='patient_name', value={SECRET!r})"]),
    ])
    console = Console(record=True, width=200)
    print_result(console, result, domain.slots)
    text = console.export_text()
    assert SECRET not in text and "Other Name" not in text
    assert f"expected patient_name: {MASK}" in text and f"actual   patient_name: {MASK} (sensitive; differs)" in text
    assert "city: 'Leeds'" in text
    assert f"slot_set(name='patient_name', value={MASK})" in text


def validate(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dialogue", "validate", str(folder)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_validate_accepts_sensitive_true_and_rejects_maybe(tiny_domain: Path) -> None:
    dm = tiny_domain / "dm.yml"
    dm.write_text(dm.read_text().replace("    type: text\n", "    type: text\n    sensitive: true\n", 1))
    assert load_domain(tiny_domain).slots["order_id"].sensitive
    ok = validate(tiny_domain)
    assert ok.returncode == 0, ok.stdout
    dm.write_text(dm.read_text().replace("sensitive: true", "sensitive: maybe"))
    bad = validate(tiny_domain)
    assert bad.returncode == 1
    assert "dm.yml:4:" in bad.stdout and "sensitive" in bad.stdout
