"""Declarative checks on a form slot's value: choices, regex, numeric range, future/past dates."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from dialogue.dm.slots import as_datetime
from dialogue.domain.schema.dm import Validation


def check(rule: Validation | None, value: Any, now: datetime | None = None) -> tuple[Any, str | None]:
    """Return ``(normalised value, None)`` if valid, else ``(value, reason)``; plugins run elsewhere."""
    if rule is None or value is None:
        return value, None
    if rule.choices is not None:
        match = next((c for c in rule.choices if c == value or str(c).lower() == str(value).strip().lower()), None)
        if match is None:
            return value, f"{value!r} is not one of {', '.join(map(str, rule.choices))}"
        value = match
    if rule.regex is not None and not re.fullmatch(rule.regex, str(value)):
        return value, f"{value!r} does not match {rule.regex!r}"
    if rule.min is not None or rule.max is not None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return value, f"{value!r} is not a number"
        if rule.min is not None and number < rule.min:
            return value, f"{value!r} is below the minimum {rule.min:g}"
        if rule.max is not None and number > rule.max:
            return value, f"{value!r} is above the maximum {rule.max:g}"
    if rule.future or rule.past:
        moment = as_datetime(value)
        if moment is None:
            return value, f"{value!r} is not a date"
        reference = now or datetime.now(timezone.utc)
        if moment.tzinfo is None:
            reference = reference.astimezone().replace(tzinfo=None)
        is_date_only = len(str(value)) <= 10
        if rule.future and (moment.date() <= reference.date() if is_date_only else moment <= reference):
            return value, f"{value} is not in the future"
        if rule.past and (moment.date() >= reference.date() if is_date_only else moment >= reference):
            return value, f"{value} is not in the past"
    return value, None
