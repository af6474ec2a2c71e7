"""Rasa test stories (``tests/*.yml``) → dialogue conversation tests.

Each user step becomes a turn that checks the intent, the annotated entities, the slots the story
sets and the bot's messages. A form's questions are implicit in Rasa's stories (``requested_slot``);
here they are the form's prompt responses. A turn in which a custom action speaks cannot list
its messages in advance, so it checks that the action ran instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialogue.domain.examples import AnnotationError, parse_annotated
from dialogue.importers.rasa.report import Report


def convert_tests(stories: list[tuple[Path, dict[str, Any]]], forms: dict[str, Any], responses: dict[str, Any],
                  custom: set[str], report: Report) -> list[dict[str, Any]]:
    cases = []
    for file, story in stories:
        name = str(story.get("story", "unnamed"))
        where = f"tests/{file.name}: story {name!r}"
        steps = _turns(story.get("steps") or [], forms, responses, custom, report, where)
        if steps:
            cases.append({"name": name, "steps": steps})
    return cases


def _turns(steps: list[Any], forms: dict[str, Any], responses: dict[str, Any], custom: set[str], report: Report,
           where: str) -> list[dict[str, Any]] | None:
    turns: list[dict[str, Any]] = []
    bot: list[str] | None = []
    active: str | None = None
    ended: list[Any] = []  # a form ends after its submit action here, and Rasa lists the end before it
    for step in steps:
        if not isinstance(step, dict):
            continue
        if "user" in step:
            _close(turns, bot, ended)
            text, entities = _user(str(step["user"]).strip(), str(step.get("intent", "")), report, where)
            turn: dict[str, Any] = {"user": text}
            if step.get("intent"):
                turn["intent"] = str(step["intent"])
            if entities:
                turn["entities"] = entities
            turns.append(turn)
            bot = []
            continue
        if not turns:
            report.add("tests", where, "steps before the first user message are not converted.")
            continue
        turn = turns[-1]
        if "slot_was_set" in step:
            for pair in step["slot_was_set"] or []:
                for slot, value in (pair.items() if isinstance(pair, dict) else [(pair, "*")]):
                    if slot == "requested_slot":
                        if value and active in forms and bot is not None and str(value) in forms[active]["slots"]:
                            bot.append(forms[active]["slots"][str(value)]["prompt"])
                    elif value != "*":
                        turn.setdefault("slots", {})[str(slot)] = value
        elif "active_loop" in step:
            loop = step["active_loop"]
            if loop and loop != active:
                _event(turn, {"kind": "form_started", "name": loop})
            elif not loop and active:
                ended.append({"kind": "form_ended", "name": active, "completed": True})
            active = loop or None
        elif "action" in step:
            action = str(step["action"])
            if action in responses:
                if bot is not None:
                    bot.append(action)
            elif action in forms:
                pass  # its question comes with the requested_slot that follows
            elif action == "action_listen":
                pass
            elif action == "action_restart":
                _event(turn, "conversation_restarted")
                bot = None
            elif action in custom:
                _event(turn, {"kind": "action_executed", "name": action, "ok": True})
                bot = None  # what it says is decided by its code
            else:
                report.add("tests", where, f"action {action!r} is not checked (a default Rasa action).", "approximated")
                bot = None
        else:
            report.add("tests", where, f"step {sorted(step)} is not converted.")
    _close(turns, bot, ended)
    return turns


def _close(turns: list[dict[str, Any]], bot: list[str] | None, ended: list[Any]) -> None:
    """Give the last turn its bot messages (unless a custom action made them unknowable) and pending events."""
    if turns and bot is not None and "bot" not in turns[-1]:
        turns[-1]["bot"] = list(bot)
    for event in ended:
        _event(turns[-1], event)
    ended.clear()


def _event(turn: dict[str, Any], event: Any) -> None:
    turn.setdefault("events", []).append(event)


def _user(text: str, intent: str, report: Report, where: str) -> tuple[str, dict[str, Any]]:
    """The message without annotations, and the entities it must yield."""
    try:
        example = parse_annotated(text, intent or "x")
    except AnnotationError as exc:
        report.add("tests", where, f"message {text!r}: {exc}; kept as written.", "approximated")
        return text, {}
    return example.text, {span.type: span.value for span in example.entities}
