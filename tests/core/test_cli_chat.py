"""Piped chat through the real `dialogue` command: one message per line in, replies out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def chat(domain: Path, lines: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dialogue", "chat", str(domain), *extra],
        input="".join(line + "\n" for line in lines), capture_output=True, text=True, timeout=900, cwd=ROOT,
    )


def test_piped_chat_replies_to_each_line_and_exits_zero(tiny_domain: Path):
    result = chat(tiny_domain, ["hello", "where is my order 12345"])
    assert result.returncode == 0, result.stderr
    # the user's lines are echoed, so the output reads as a transcript
    assert result.stdout.splitlines() == ["you> hello", "Hello!", "you> where is my order 12345", "Looking up order 12345."]


def test_jsonl_mode_reports_intent_entities_and_response(tiny_domain: Path):
    result = chat(tiny_domain, ["hi there", "track order 54321"], "--jsonl")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["intent"] == "greet" and first["replies"][0]["response"] == "utter_greet"
    assert second["entities"] == [{"type": "order_id", "value": "54321", "text": "54321"}]
    assert second["replies"][0]["text"] == "Looking up order 54321."
    assert "slot_set" in second["events"]


def test_invisible_only_lines_are_not_sent_and_get_a_hint(tiny_domain: Path):
    result = chat(tiny_domain, ["\u200b", "\ufeff", "\x00", "", "hello"])
    assert result.returncode == 0, result.stderr
    hint = "(nothing sent: that message has no visible text)"
    assert result.stdout.splitlines() == [hint, hint, hint, "you> hello", "Hello!"]  # a blank line is skipped silently
    jsonl = chat(tiny_domain, ["\u200b", "hello"], "--jsonl")
    first, second = (json.loads(line) for line in jsonl.stdout.splitlines())
    assert first == {"user": "\u200b", "error": "empty_text", "replies": []}
    assert second["intent"] == "greet"


def test_customer_service_pack_answers_hello_what_can_you_do_bye():
    result = chat(ROOT / "domains" / "customer_service", ["hello", "what can you do", "bye"], "--jsonl")
    assert result.returncode == 0, result.stderr
    turns = [json.loads(line) for line in result.stdout.splitlines()]
    by_user = {t["user"]: t for t in turns if t["user"]}
    assert [by_user[u]["intent"] for u in ("hello", "what can you do", "bye")] == ["greet", "help", "goodbye"]
    for turn in by_user.values():
        assert turn["replies"] and all(r["text"].strip() for r in turn["replies"])
    responses = [by_user[u]["replies"][0]["response"] for u in ("hello", "what can you do", "bye")]
    assert len(set(responses)) == 3


def test_broken_domain_exits_non_zero_with_the_problem(tiny_domain: Path):
    (tiny_domain / "dm.yml").write_text((tiny_domain / "dm.yml").read_text().replace("utter_greet\n", "utter_gret\n", 1))
    result = chat(tiny_domain, ["hello"])
    assert result.returncode == 1
    assert "utter_gret" in result.stderr and 'Did you mean "utter_greet"?' in result.stderr


def test_validate_command_lists_problems_and_fails(tiny_domain: Path):
    (tiny_domain / "dm.yml").write_text((tiny_domain / "dm.yml").read_text().replace("respond: utter_greet", "respond: utter_gret"))
    result = subprocess.run([sys.executable, "-m", "dialogue", "validate", str(tiny_domain)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "dm.yml:11:9" in result.stdout and 'Did you mean "utter_greet"?' in result.stdout


def test_undo_in_the_middle_of_a_form_asks_the_question_again(tmp_path: Path):
    from dialogue.scaffold import create_bot

    bot = tmp_path / "bot"
    create_bot(bot)
    result = chat(bot, ["call me back", "Ada", "/undo"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[lines.index("you> /undo") + 1] == "Sure. What is your name?"


def test_jsonl_stays_json_lines_through_commands(tmp_path: Path):
    from dialogue.scaffold import create_bot

    bot = tmp_path / "bot"
    create_bot(bot)
    result = chat(bot, ["call me back", "Ada", "/undo", "/slots", "/debug", "/help", "/restart", "hello"], "--jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]  # every line parses
    undo = next(r for r in records if r.get("user") == "/undo")
    assert [m["response"] for m in undo["replies"]] == ["utter_ask_name"] and undo["events"] == ["turn_undone"]
    commands = {r["command"]: r for r in records if "command" in r}
    assert set(commands) == {"/slots", "/debug", "/help", "/restart"}
    assert commands["/slots"]["slots"] == {"name": None, "phone": None, "ticket": None}


def test_the_handoff_notice_keeps_its_whole_reason():
    import io

    from rich.console import Console

    from dialogue.chat.render import render_handoff

    reason = "the customer asked three times about a refund for order 104233 that never arrived and is upset"
    for plain in (True, False):
        out = io.StringIO()
        render_handoff(Console(file=out, width=80, soft_wrap=True, color_system=None), reason, plain=plain)
        text = " ".join(part.strip(" │╭╮╰╯─") for part in out.getvalue().splitlines())
        assert "never arrived and is upset" in " ".join(text.split())
