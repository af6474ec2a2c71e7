"""Rasa rules and stories → dialogue rules, and what each form does when it completes.

A rule or story is cut into segments: a user intent and the bot actions that follow it. A rule's
segments become rules as written. A story's segment becomes a rule on its intent and, after the
story's first turn, on the bot's previous action (``previous_action``), which keeps the story's
context one step deep; a segment a rule already covers is dropped. Where two stories send the
same intent after the same action to different actions, only the first can be a rule: the other
is reported, as are checkpoints and end-to-end texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogue.importers.rasa.report import Report

#: Rasa's default actions → a dialogue rule step (None: nothing to do here)
DEFAULT_ACTIONS: dict[str, dict[str, Any] | None] = {
    "action_listen": None,
    "action_session_start": None,
    "action_restart": {"restart": True},
    "action_deactivate_loop": {"stop_form": True},
}


@dataclass
class Segment:
    intents: list[str]
    source: str  #: where it came from, for the report
    title: str  #: the Rasa rule's or story's name
    authority: bool  #: from rules.yml (wins over a story that disagrees)
    previous: str | None = None
    form: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    first_turn: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)
    last: str | None = None  #: the Rasa name of its last bot action (the next segment's previous action)

    def key(self) -> tuple[Any, ...]:
        return (tuple(self.intents), self.form, tuple(sorted(self.slots.items(), key=str)), self.first_turn)


@dataclass
class Flows:
    rules: list[dict[str, Any]] = field(default_factory=list)
    #: form → the steps Rasa ran when it completed (responses and actions)
    completions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Context:
    """What a step name means in this project: a response, a form, a custom action."""

    def __init__(self, responses: dict[str, Any], forms: dict[str, Any], actions: set[str], fallback: str) -> None:
        self.responses, self.forms, self.actions, self.fallback = responses, forms, actions, fallback

    def step(self, action: str, report: Report, where: str) -> dict[str, Any] | None:
        if action in self.responses:
            return {"respond": action}
        if action in self.forms:
            return {"start_form": action}
        if action in DEFAULT_ACTIONS:
            return DEFAULT_ACTIONS[action]
        if action == "action_default_fallback":
            return {"respond": self.fallback}
        if action in self.actions:
            return {"action": action}
        report.add("rules", where, f"action {action!r} is neither a response, a form nor a declared custom action: "
                   "left out.")
        return None


def convert_flows(rules: list[tuple[Path, dict[str, Any]]], stories: list[tuple[Path, dict[str, Any]]],
                  context: Context, report: Report) -> Flows:
    flows = Flows()
    segments: list[Segment] = []
    for authority, items, kind in ((True, rules, "rule"), (False, stories, "story")):
        for file, item in items:
            name = str(item.get(kind, "unnamed"))
            where = f"{file.parent.name}/{file.name}: {kind} {name!r}"
            found = _segments(item, authority, where, context, flows, report)
            if found is not None:
                segments.extend(found)
    flows.rules = _rules(segments, report)
    return flows


def _segments(item: dict[str, Any], authority: bool, where: str, context: Context, flows: Flows,
              report: Report) -> list[Segment] | None:
    condition_form = None
    condition_slots: dict[str, Any] = {}
    for part in item.get("condition") or []:
        if isinstance(part, dict) and "active_loop" in part:
            condition_form = part["active_loop"]
        elif isinstance(part, dict) and "slot_was_set" in part:
            for pair in part["slot_was_set"] or []:
                condition_slots.update(pair if isinstance(pair, dict) else {pair: "*"})
    steps = list(item.get("steps") or [])
    if any(isinstance(s, dict) and "checkpoint" in s for s in steps):
        report.add("stories", where, "checkpoints join stories into a graph that rules cannot express: not converted.")
        return None
    if any(isinstance(s, dict) and ("bot" in s or ("user" in s and "intent" not in s)) for s in steps):
        report.add("stories", where, "end-to-end steps (user text without an intent, or bot text) are not converted.")
        return None
    if steps and isinstance(steps[0], dict) and steps[0].get("action") in context.forms and condition_form:
        _completion(steps, str(steps[0]["action"]), where, context, flows, report)
        return []
    found: list[Segment] = []
    previous: str | None = None
    current: Segment | None = None
    for step in steps:
        if not isinstance(step, dict):
            continue
        intents = _intents(step, report, where)
        if intents:
            if current is not None:
                previous = current.last or previous
            current = Segment(intents, where, str(item.get("rule") or item.get("story") or ""), authority,
                              previous if found else None, condition_form,
                              dict(condition_slots), bool(item.get("conversation_start")) and not found)
            found.append(current)
            continue
        if "action" in step:
            if current is None:
                report.add("rules", where, "bot actions before any user message (wait_for_user_input, conversation "
                           "openings) are not converted: use settings.greeting_response for an opening message.")
                return None
            action = str(step["action"])
            if action == condition_form and action in context.forms:
                continue  # "the form goes on" after a digression: the form asks again by itself here
            converted = context.step(action, report, where)
            if converted is not None:
                current.steps.append(converted)
            current.last = action
    for segment in found:
        if not segment.steps:
            report.add("rules", where, f"intent {', '.join(segment.intents)} has no bot action to convert.")
    return [s for s in found if s.steps]


def _intents(step: dict[str, Any], report: Report, where: str) -> list[str]:
    if "intent" in step:
        if step.get("entities"):
            report.add("stories", where, "entity conditions on a story's intent are dropped (rules match the intent).",
                       "approximated")
        return [str(step["intent"])]
    if "or" in step:
        options = step["or"] or []
        intents = [str(o["intent"]) for o in options if isinstance(o, dict) and "intent" in o]
        if len(intents) != len(options):
            report.add("stories", where, "an or: of slot events is not converted; its intents are.", "approximated")
        return intents
    return []


def _completion(steps: list[Any], form: str, where: str, context: Context, flows: Flows, report: Report) -> None:
    """``action: form, active_loop: null, ...``: what the bot does once the form has its slots."""
    done: list[dict[str, Any]] = []
    for step in steps[1:]:
        if isinstance(step, dict) and "action" in step:
            converted = context.step(str(step["action"]), report, where)
            if converted is not None:
                done.append(converted)
    if form in flows.completions and flows.completions[form] != done:
        report.add("rules", where, f"a second, different completion of form {form!r}: the first one is kept.")
        return
    flows.completions[form] = done


def _rules(segments: list[Segment], report: Report) -> list[dict[str, Any]]:
    """rules.yml as written; a story's turn as a rule on its intent and, after the first turn, the previous action.

    Rasa remembers stories with their history; ``previous_action`` keeps one step of it, which tells
    apart the turns of typical stories ("yes" after "did that help?"). A story turn that a rule already
    covers is dropped; one that contradicts a rule loses (Rasa's rules win over stories too).
    """
    rules: list[dict[str, Any]] = []
    covered: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    plain = {tuple(s.intents): s.steps for s in segments if s.authority and s.key()[1:] == (None, (), False)}
    for segment in (s for s in segments if s.authority):
        if segment.form and plain.get(tuple(segment.intents)) == segment.steps:
            continue  # the same rule without the form condition runs inside the form too (a digression)
        rule = _rule(segment, segment.steps, None)
        if rule not in rules:
            rules.append(rule)
        covered.setdefault(segment.key(), segment.steps)
    stories: dict[tuple[Any, ...], Segment] = {}
    for segment in (s for s in segments if not s.authority):
        ruled = covered.get(segment.key())
        if ruled is not None:
            if ruled != segment.steps:
                report.add("stories", segment.source, f"intent {', '.join(segment.intents)} leads to other actions "
                           "than a rule says; the rule is kept (as in Rasa, rules win).")
            continue
        key = (*segment.key(), segment.previous)
        first = stories.setdefault(key, segment)
        if first.steps != segment.steps:
            after = f"after {segment.previous}, " if segment.previous else "at the start of a story, "
            report.add("stories", segment.source, f"{after}intent {', '.join(segment.intents)} leads to other "
                       f"actions than in {first.source}: a rule can do only one; the first is kept.")
    rules.extend(_rule(segment, segment.steps, segment.previous) for segment in stories.values())
    return rules


def _rule(segment: Segment, steps: list[dict[str, Any]], previous: str | None) -> dict[str, Any]:
    intents = segment.intents[0] if len(segment.intents) == 1 else list(segment.intents)
    when: dict[str, Any] = {"intent": intents}
    if segment.form:
        when["form"] = segment.form
    if segment.slots:
        when["slots"] = segment.slots
    if segment.first_turn:
        when["max_turn"] = 1
    name = segment.title if segment.authority else " or ".join(segment.intents)
    rule: dict[str, Any] = {"name": name}
    if previous:
        when["previous_action"] = previous
        rule["name"] = f"{name} after {previous}"
        rule["priority"] = 1
    rule["when"] = when
    rule["then"] = steps
    return rule
