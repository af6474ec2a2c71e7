"""How slot values are shown to people: a ``sensitive: true`` slot's value becomes ``***``.

Only what is displayed for debugging goes through here (explanations, ``/debug``,
``/slots``, test-failure reports); the tracker, the stores and the templates keep and
use the real value.
"""

from __future__ import annotations

from collections.abc import Mapping
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

