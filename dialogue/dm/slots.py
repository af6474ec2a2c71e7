"""Typed slot values: coercion of raw values (entities, text, YAML) to a slot's type.

Values stay JSON-able so trackers can be stored anywhere: dates and times are ISO strings.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from dialogue.domain.schema.dm import SlotSpec

_TRUE = {"true", "yes", "y", "1", "on", "yeah", "yep", "sure"}
_FALSE = {"false", "no", "n", "0", "off", "nope", "nah"}


class SlotValueError(ValueError):
    """A value does not fit the slot's type; the message says why, for explanations."""


def coerce(spec: SlotSpec, value: Any) -> Any:
    """Return ``value`` converted to the slot's type, or raise ``SlotValueError``."""
    if value is None:
        return None
    kind = spec.type
    if kind in ("any",):
        return value
    if kind == "text":
        return str(value)
    if kind == "number":
        return _number(value)
    if kind == "boolean":
        return _boolean(value)
    if kind == "categorical":
        return _category(spec, value)
    if kind == "list":
        return list(value) if isinstance(value, (list, tuple)) else [value]
    if kind in ("date", "datetime", "time"):
        return _temporal(kind, value)
    raise SlotValueError(f"unknown slot type {kind!r}")


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise SlotValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise SlotValueError(f"{value!r} is not a number") from None
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SlotValueError(f"{value!r} is not yes or no")


def _category(spec: SlotSpec, value: Any) -> Any:
    for allowed in spec.values:
        if allowed == value or str(allowed).lower() == str(value).strip().lower():
            return allowed
    raise SlotValueError(f"{value!r} is not one of {', '.join(map(str, spec.values))}")


def _temporal(kind: str, value: Any) -> str:
    if isinstance(value, datetime):
        parsed: datetime | date | time = value
    elif isinstance(value, (date, time)):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                if kind != "time":
                    raise
                parsed = time.fromisoformat(text)
            except ValueError:
                raise SlotValueError(f"{value!r} is not an ISO {kind}") from None
    if kind == "date":
        return (parsed.date() if isinstance(parsed, datetime) else parsed).isoformat()
    if kind == "time" and isinstance(parsed, datetime):
        return parsed.time().isoformat()
    return parsed.isoformat()


def as_datetime(value: Any) -> datetime | None:
    """A stored date/datetime value as a datetime (dates at midnight), or None if it is not one."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def initial_slots(slots: dict[str, SlotSpec]) -> dict[str, Any]:
    return {name: spec.initial for name, spec in slots.items()}
