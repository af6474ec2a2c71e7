"""Rasa's ``domain.yml`` → intents, entities, slots, responses and forms."""

from __future__ import annotations

import re
from typing import Any

from dialogue.importers.rasa.report import Report

SLOT_TYPES = {"text": "text", "bool": "boolean", "categorical": "categorical", "float": "number", "list": "list",
              "any": "any"}
_VARIABLE = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")


def names(items: Any) -> list[tuple[str, dict[str, Any]]]:
    """``[a, {b: {...}}]`` → ``[(a, {}), (b, {...})]``."""
    found = []
    for item in items or []:
        if isinstance(item, dict):
            for name, options in item.items():
                found.append((str(name), dict(options or {})))
        else:
            found.append((str(item), {}))
    return found


def convert_intents(domain: dict[str, Any], intents: dict[str, list[str]], report: Report) -> None:
    for name, options in names(domain.get("intents")):
        intents.setdefault(name, [])
        if options:
            report.add("domain", f"domain.yml: intents: {name}", f"options {', '.join(sorted(options))} "
                       "(use_entities/ignore_entities) have no equivalent: every entity of a message fills slots.")


def convert_entities(domain: dict[str, Any], entities: dict[str, Any], report: Report) -> None:
    for name, options in names(domain.get("entities")):
        entities.setdefault(name, {})
        if options.get("groups"):
            report.add("domain", f"domain.yml: entities: {name}", "entity groups are not converted.")
        if options.get("roles"):
            entities[name].setdefault("description", f"roles: {', '.join(map(str, options['roles']))}")


def convert_slots(domain: dict[str, Any], report: Report) -> tuple[dict[str, Any], dict[str, str]]:
    """The slots, and custom slot mappings (slot → the action that sets it)."""
    slots: dict[str, Any] = {}
    custom: dict[str, str] = {}
    conditions_noted = False
    for name, spec in (domain.get("slots") or {}).items():
        where = f"domain.yml: slots: {name}"
        spec = dict(spec or {})
        kind = SLOT_TYPES.get(str(spec.get("type", "any")))
        if kind is None:
            report.add("domain", where, f"slot type {spec.get('type')!r} (a custom slot class) becomes 'any'.",
                       "approximated")
            kind = "any"
        slot: dict[str, Any] = {"type": kind}
        if kind == "categorical":
            slot["values"] = [v for v in spec.get("values") or [] if str(v) != "__other__"]
        if spec.get("initial_value") is not None:
            slot["initial"] = spec["initial_value"]
        if "min_value" in spec or "max_value" in spec:
            report.add("domain", where, "min_value/max_value only shaped Rasa's features; not converted (add a form "
                       "validate: {min, max} to enforce a range).")
        fills = []
        for mapping in spec.get("mappings") or []:
            fill, note = _fill(name, dict(mapping))
            if note:
                report.add("domain", where, note, "approximated")
            if mapping.get("type") == "custom" and mapping.get("action"):
                custom[name] = str(mapping["action"])
            if mapping.get("conditions") and not conditions_noted:
                conditions_noted = True
                report.add("domain", where, "slot mapping conditions (active_loop, requested_slot) are dropped: "
                           "here an entity fills its slot whenever it appears, and intent or text sources fill only "
                           "the slot a form is asking for.", "approximated")
            if fill is not None:
                fills.append(fill)
        if fills:
            slot["fill"] = fills
        slots[name] = slot
    return slots, custom


def _fill(slot: str, mapping: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    kind = mapping.get("type")
    fill: dict[str, Any]
    note = None
    if kind == "from_entity":
        fill = {"from": "entity", "entity": mapping.get("entity", slot)}
        if mapping.get("role"):
            fill["role"] = mapping["role"]
        if mapping.get("group"):
            note = "entity groups in slot mappings are not converted"
    elif kind == "from_text":
        fill = {"from": "text"}
    elif kind in ("from_intent", "from_trigger_intent"):
        fill = {"from": "intent", "value": mapping.get("value")}
        if kind == "from_trigger_intent":
            note = "from_trigger_intent becomes from: intent (set when the intent comes while no form asks another slot)"
    elif kind == "custom":
        return {"from": "action"}, None
    else:
        return None, f"slot mapping type {kind!r} not converted"
    for key in ("intent", "not_intent"):
        if mapping.get(key):
            fill[key] = mapping[key]
    if fill["from"] == "intent" and not fill.get("intent"):
        return None, "a from_intent mapping without intents is not converted"
    return fill, note


def convert_responses(domain: dict[str, Any], report: Report) -> dict[str, list[Any]]:
    responses: dict[str, list[Any]] = {}
    for name, variants in (domain.get("responses") or {}).items():
        converted = []
        for variant in variants or []:
            converted.append(_variant(name, dict(variant) if isinstance(variant, dict) else {"text": variant}, report))
        responses[str(name)] = converted
    return responses


def _variant(name: str, variant: dict[str, Any], report: Report) -> Any:
    where = f"domain.yml: responses: {name}"
    out: dict[str, Any] = {"text": jinja(str(variant.get("text") or ""))}
    buttons = variant.get("buttons") or variant.get("quick_replies") or []
    if buttons:
        out["buttons"] = [{"title": jinja(str(b.get("title", ""))), "payload": payload(str(b.get("payload", "")))}
                          for b in buttons]
    condition = {}
    for part in variant.get("condition") or []:
        if isinstance(part, dict) and part.get("type", "slot") == "slot" and "name" in part:
            condition[str(part["name"])] = part.get("value")
    if condition:
        out["condition"] = condition
    if variant.get("channel"):
        out["channel"] = str(variant["channel"])
    extra = {k: variant[k] for k in ("image", "custom", "attachment", "elements") if k in variant}
    if extra:
        out["payload"] = extra
        report.add("domain", where, f"{', '.join(extra)} kept in the variant's payload: channels that understand "
                   "it can use it; the terminal and templates show only the text.", "approximated")
    if not out["text"] and not buttons:
        report.add("domain", where, "a variant without text (custom payload only) says nothing in the terminal.",
                   "approximated")
    return out["text"] if set(out) == {"text"} else out


def jinja(text: str) -> str:
    """Rasa's ``{slot}`` placeholders → Jinja2 ``{{ slot }}``."""
    return _VARIABLE.sub(lambda m: "{{ " + m.group(1) + " }}", text)


def payload(text: str) -> str:
    """Rasa escapes a payload's JSON braces as ``{{ }}`` inside responses; here they are literal."""
    return text.replace("{{", "{").replace("}}", "}")


def convert_forms(domain: dict[str, Any], responses: dict[str, Any], report: Report) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, spec in (domain.get("forms") or {}).items():
        spec = dict(spec or {})
        where = f"domain.yml: forms: {name}"
        required = spec.get("required_slots") or []
        if isinstance(required, dict):  # Rasa 2.x: slot → mappings
            required = list(required)
        slots = {}
        for slot in required:
            prompt = next((r for r in (f"utter_ask_{name}_{slot}", f"utter_ask_{slot}") if r in responses), None)
            if prompt is None:
                prompt = f"utter_ask_{slot}"
                responses[prompt] = [f"What is the {slot.replace('_', ' ')}?"]
                report.add("domain", where, f"no utter_ask_{slot} response (an action_ask_{slot}?): a placeholder "
                           f"{prompt} was written; reword it.", "to do")
            slots[str(slot)] = {"prompt": prompt}
        if spec.get("ignored_intents"):
            report.add("domain", where, "ignored_intents has no equivalent: while a form is active, a message that "
                       "fills none of its slots is a digression if a rule answers it.", "approximated")
        forms[str(name)] = {"slots": slots}
    return forms
