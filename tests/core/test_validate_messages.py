"""`dialogue validate`: one mistake gives one error, at its file and line, with what usually fixes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dialogue.domain import DomainError, load_domain
from dialogue.registry import suggest
from dialogue.scaffold import BLANK
from dialogue.validation import validate_domain


@pytest.fixture
def bot(tmp_path: Path) -> Path:
    """A copy of the blank bot (a plugin, a form, tests) to break."""
    target = tmp_path / "bot"
    shutil.copytree(BLANK, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def only_problem(folder: Path) -> str:
    problems, _ = validate_domain(folder)
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


@pytest.mark.parametrize(("old", "new", "hint"), [
    ("      - call me back\n", "      - [A-1234](order_id) call me back\n", "quote the whole value"),
    ("      - hello there\n", "      - {{ name }} there\n", "quote the whole value"),
    ("      - howdy\n", "      - *howdy* partner\n", "cannot start with '*'"),
    ("      - hiya\n", "      - \"hiya\n", "never closed on its line"),
    ("      - greetings\n", "\t- greetings\n", "tabs"),
])
def test_yaml_syntax_errors_name_the_line_and_a_fix(bot: Path, old: str, new: str, hint: str):
    edit(bot / "nlu.yml", old, new)
    message = only_problem(bot)
    assert message.startswith(f"{bot / 'nlu.yml'}:") and "invalid YAML" in message and hint in message
    line = int(message.split(":")[1])
    assert new.strip().strip('"').split()[0] in (bot / "nlu.yml").read_text().splitlines()[line - 1]


def test_an_unquoted_colon_in_flow_style_gets_a_hint(bot: Path):
    edit(bot / "responses.yml", '{title: "What can you do?", payload: /help}', "{title: What can you do?, payload: /help}")
    assert "put a value in quotes when it contains" in only_problem(bot)


def test_a_colon_that_made_a_mapping_gets_a_hint(bot: Path):
    edit(bot / "responses.yml", "    - You're welcome!\n", "    - Note: you're welcome!\n")
    message = only_problem(bot)
    assert "responses.yml:" in message and "quote the whole text" in message


def test_a_plugin_with_a_syntax_error_is_one_error_at_its_line(bot: Path):
    edit(bot / "plugins" / "callbacks.py", "def requests_file(ctx: ActionContext) -> Path:",
         "def requests_file(ctx: ActionContext) -> Path")
    message = only_problem(bot)  # not followed by "declared but no plugin registers it"
    assert message.startswith(f"{bot / 'plugins' / 'callbacks.py'}:17:") and "SyntaxError" in message
    assert "Traceback" not in message and "importlib" not in message


def test_a_plugin_that_raises_points_at_its_own_line(bot: Path):
    edit(bot / "plugins" / "callbacks.py", "from dialogue.actions import ActionContext, action\n",
         "from dialogue.actions import ActionContext, action\nLIMIT = int('ten')\n")
    message = only_problem(bot)
    assert f"{bot / 'plugins' / 'callbacks.py'}:15:" in message and "ValueError" in message


def test_a_declared_action_without_implementation_points_at_its_declaration(bot: Path):
    edit(bot / "actions.yml", "actions:\n", "actions:\n  action_send_sms: {timeout: 2}\n")
    message = only_problem(bot)
    assert message.startswith(f"{bot / 'actions.yml'}:4:3:") and "'action_send_sms' is declared but no plugin" in message


def test_a_form_slot_that_is_not_declared_gets_a_suggestion(bot: Path):
    edit(bot / "forms.yml", "      phone:\n", "      phone_number:\n")
    with pytest.raises(DomainError) as info:
        load_domain(bot)
    assert any("slot 'phone_number' is not defined" in p.message and 'Did you mean "phone"?' in p.message
               for p in info.value.problems)


def test_names_in_conversation_tests_are_checked(bot: Path):
    tests = bot / "tests" / "conversations.yml"
    edit(tests, "intent: help", "intent: hepl")
    edit(tests, "bot: [utter_goodbye]", "bot: [utter_goodby]")
    edit(tests, "slots: {ticket: CB-1001}", "slots: {tiket: CB-1001}")
    edit(tests, "events: [form_started]", "events: [form_start]")
    problems, _ = validate_domain(bot)
    messages = [str(p) for p in problems]
    assert len(messages) == 4, messages
    assert all(m.startswith(f"{tests}:") for m in messages)
    for wrong, right in (("hepl", "help"), ("utter_goodby", "utter_goodbye"), ("tiket", "ticket"),
                         ("form_start", "form_started")):
        assert any(f"'{wrong}'" in m and f'Did you mean "{right}"?' in m for m in messages), wrong


def test_a_broken_test_file_is_reported_by_validate(bot: Path):
    edit(bot / "tests" / "conversations.yml", 'buttons: [Request a callback, "What can you do?"]',
         "buttons: [Request a callback, What can you do?]")
    message = only_problem(bot)
    assert "conversations.yml:" in message and "invalid YAML" in message


def test_suggestions_find_a_shared_distinctive_word():
    assert suggest("customer_name", ["name", "phone", "ticket"]) == ' Did you mean "name"?'
    assert suggest("bike", ["bike_type", "day"]) == ' Did you mean "bike_type"?'
    assert suggest("utter_refund_policy", ["utter_greet", "utter_help", "utter_goodbye"]) == ""  # "utter": not distinctive
