"""How slot values are shown to people: a ``sensitive: true`` slot's value becomes ``***``.

What is displayed (explanations, ``/debug``, ``/slots``, test-failure reports) and what the
server's API returns to non-admin callers (``ApiMasker``) goes through here; the tracker, the
stores and the templates keep and use the real value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dialogue.domain.schema.dm import SlotSpec

MASK = "***"


def is_sensitive(slot_name: str, slots: Mapping[str, SlotSpec] | None) -> bool:
    spec = (slots or {}).get(slot_name)
    return spec is not None and spec.sensitive


def display_value(slot_name: str, value: Any, slots: Mapping[str, SlotSpec] | None) -> str:
    """``repr(value)`` for people to read, or ``***`` when the slot is sensitive and set."""
    if value is not None and is_sensitive(slot_name, slots):
        return MASK
    return repr(value)


def redact_text(text: str, slot_name: str, value: Any, slots: Mapping[str, SlotSpec] | None) -> str:
    """``text`` (e.g. a validation reason) with a sensitive slot's value replaced by ``***``."""
    if value is None or not is_sensitive(slot_name, slots):
        return text
    quoted, plain = repr(value), str(value)
    if quoted in text:
        return text.replace(quoted, MASK)
    return text.replace(plain, MASK) if plain else text



def sensitive_entities(slots: Mapping[str, SlotSpec] | None) -> set[str]:
    """Entity types that fill a sensitive slot: their text and value are that slot's value."""
    return {f.entity for spec in (slots or {}).values() if spec.sensitive for f in spec.fill if f.entity}


class ApiMasker:
    """Masks sensitive slots in what the HTTP API returns: slots, events, entities, tracker records.

    The bot's own messages in a turn reply are left as they are (they are the conversation the
    caller is part of); in tracker records, every text that quotes a sensitive value (the user's
    message, a stored reply) has it replaced by ``***``.
    """

    def __init__(self, slots: Mapping[str, SlotSpec] | None) -> None:
        self.slots = dict(slots or {})
        self.names = {name for name, spec in self.slots.items() if spec.sensitive}
        self.entities = sensitive_entities(self.slots)

    def slot_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: MASK if v is not None and k in self.names else v for k, v in values.items()}

    def entity(self, entity: Mapping[str, Any]) -> dict[str, Any]:
        if entity.get("type") not in self.entities:
            return dict(entity)
        return {**entity, "value": MASK, **({"text": MASK} if "text" in entity else {})}

    def event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        if event.get("kind") == "slot_set" and event.get("name") in self.names and event.get("value") is not None:
            return {**event, "value": MASK}
        return dict(event)

    def records(self, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Tracker records with sensitive values masked, also where a text quotes them."""
        records = list(records)
        if not self.names:
            return [dict(r) for r in records]
        secrets = self._secrets(records)
        return [self._record(r, secrets) for r in records]

    def _secrets(self, records: list[Mapping[str, Any]]) -> list[str]:
        """Every sensitive value the conversation held, as text, longest first (so none is half-masked)."""
        found: set[str] = set()
        for r in records:
            if r.get("type") == "slot" and r.get("name") in self.names and r.get("value") not in (None, ""):
                value = r["value"]
                found.update(str(v) for v in (value if isinstance(value, list) else [value]) if str(v).strip())
            for e in r.get("entities") or ():
                if isinstance(e, Mapping) and e.get("type") in self.entities:
                    found.update(str(e[k]) for k in ("text", "value") if str(e.get(k, "")).strip())
        return sorted(found, key=len, reverse=True)

    def _record(self, record: Mapping[str, Any], secrets: list[str]) -> dict[str, Any]:
        out = dict(record)
        kind = out.get("type")
        if kind == "slot" and out.get("name") in self.names and out.get("value") is not None:
            out["value"] = MASK
        if isinstance(out.get("text"), str):
            out["text"] = _scrub(out["text"], secrets)
        if isinstance(out.get("entities"), list):
            out["entities"] = [self.entity(e) if isinstance(e, Mapping) else e for e in out["entities"]]
        if isinstance(out.get("messages"), list):
            out["messages"] = [{**m, "text": _scrub(m["text"], secrets)} if isinstance(m, Mapping)
                               and isinstance(m.get("text"), str) else m for m in out["messages"]]
        return out


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
