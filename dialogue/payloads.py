"""Button payloads such as ``/order_status`` or ``/inform{"order_id": "12345"}``, understood without NLU."""

from __future__ import annotations

import json
import re

from dialogue.messages import Entity, IntentScore, ParsedMessage

_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w-]*)(?P<entities>\{.*\})?\s*$", re.DOTALL)


def parse_payload(parse: ParsedMessage, known_intents: list[str]) -> ParsedMessage | None:
    """The parse a payload stands for, or None if the text is not a payload of a known intent."""
    match = _PAYLOAD.match(parse.text.strip())
    if not match or match.group("intent") not in known_intents:
        return None
    entities: list[Entity] = []
    if match.group("entities"):
        try:
            values = json.loads(match.group("entities"))
        except json.JSONDecodeError:
            return None
        if not isinstance(values, dict):
            return None
        entities = [
            Entity(type=str(k), value=v, text=str(v), start=0, end=len(parse.text), extractor="payload")
            for k, v in values.items()
        ]
    intent = IntentScore(name=match.group("intent"), confidence=1.0)
    return parse.model_copy(update={"intent": intent, "intent_ranking": (intent,), "entities": tuple(entities)})
