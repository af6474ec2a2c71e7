"""Turn surface text into values: dates and times to ISO 8601, money and counts to numbers.

Dates use ``dateparser`` when it is installed (many languages, many phrasings) and a small
built-in English parser otherwise (today/tomorrow, weekdays, "in 3 days", "5th of May",
"3pm", "15:30"). Relative expressions resolve against ``now`` and prefer the future.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "couple": 2,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "k": 1_000, "million": 1_000_000, "m": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20, "thirtieth": 30,
}
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+")


def parse_number(text: str) -> int | float | None:
    """``"1,250.50"`` → 1250.5, ``"twenty five"`` → 25, ``"$3.5k"`` → 3500, ``"3rd"`` → 3; None if no number."""
    cleaned = text.lower().replace("-", " ").strip()
    match = _NUMBER.search(cleaned)
    if match:
        value = float(match.group(0).replace(",", ""))
        rest = cleaned[match.end():].strip().split()
        if rest and rest[0] in _SCALES:
            value *= _SCALES[rest[0]]
        elif rest == [] and re.search(r"\d(k|m|bn)\b", cleaned):
            value *= _SCALES[re.search(r"\d(k|m|bn)\b", cleaned).group(1)]  # type: ignore[union-attr]
        return int(value) if value.is_integer() else value
    total = current = 0
    seen = False
    for word in re.findall(r"[a-z]+", cleaned):
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _ORDINALS:
            current += _ORDINALS[word]
        elif word in _SCALES and word not in ("k", "m", "bn"):
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        elif word in ("and",):
            continue
        else:
            continue
        seen = True
    return total + current if seen else None


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
_TIME = re.compile(r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?(?=\W|$)", re.IGNORECASE)
_HAS_TIME = re.compile(
    r"\d\s*(?:a\.?m|p\.?m)\b|\b\d{1,2}:\d{2}\b|\b(?:noon|midnight|tonight|morning|afternoon|evening|o'?clock)\b|\b(?:hour|minute)s?\b",
    re.IGNORECASE,
)


def mentions_time(text: str) -> bool:
    return bool(_HAS_TIME.search(text))


def parse_datetime(text: str, now: datetime | None = None) -> datetime | None:
    """The moment a date/time expression means, relative to ``now`` (future preferred); None if unknown."""
    now = now or datetime.now().replace(microsecond=0)
    try:
        import dateparser
    except ImportError:
        return _builtin_datetime(text, now)
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now, "RETURN_AS_TIMEZONE_AWARE": False}
    cleaned = re.sub(r"\b(on|at|by|for|this coming)\b", " ", text, flags=re.IGNORECASE).strip()
    found: datetime | None = dateparser.parse(cleaned, languages=["en"], settings=settings) or dateparser.parse(text, settings=settings)
    if found is None:
        return _builtin_datetime(text, now)
    if not mentions_time(text):
        found = datetime.combine(found.date(), time())
    return found


def _builtin_datetime(text: str, now: datetime) -> datetime | None:
    lowered = text.lower()
    day: date | None = None
    if "today" in lowered or "tonight" in lowered:
        day = now.date()
    elif "day after tomorrow" in lowered:
        day = now.date() + timedelta(days=2)
    elif "tomorrow" in lowered:
        day = now.date() + timedelta(days=1)
    elif "yesterday" in lowered:
        day = now.date() - timedelta(days=1)
    relative = re.search(r"\bin\s+(\w+)\s+(minute|hour|day|week)s?\b", lowered)
    if relative:
        amount = parse_number(relative.group(1))
        if amount is not None:
            delta = {"minute": timedelta(minutes=amount), "hour": timedelta(hours=amount),
                     "day": timedelta(days=amount), "week": timedelta(weeks=amount)}[relative.group(2)]
            return now + delta
    for index, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name[:3]}(?:{name[3:]})?\b", lowered):
            ahead = (index - now.weekday()) % 7
            if ahead == 0:  # "friday" said on a Friday means next week's
                ahead = 7
            day = now.date() + timedelta(days=ahead)
    for index, name in enumerate(_MONTHS, start=1):
        match = re.search(rf"\b{name[:3]}(?:{name[3:]})?\b", lowered)
        if match:
            number = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", lowered)
            dom = int(number.group(1)) if number else 1
            try:
                day = date(now.year, index, dom)
            except ValueError:
                return None
            if day < now.date():
                day = date(now.year + 1, index, dom)
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", lowered)
    if iso:
        day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    moment: time | None = None
    if "noon" in lowered:
        moment = time(12)
    elif "midnight" in lowered:
        moment = time(0)
    elif "tonight" in lowered:
        moment = time(20)
    for match in _TIME.finditer(lowered):
        if not (match.group("ampm") or match.group("m")) or (iso and iso.start() <= match.start() < iso.end()):
            continue
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        ampm = (match.group("ampm") or "").replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60:
            moment = time(hour, minute)
    if day is None and moment is None:
        return None
    if day is None:
        day = now.date() if moment is None or moment > now.time() else now.date() + timedelta(days=1)
    return datetime.combine(day, moment or time())


def iso_value(text: str, now: datetime | None = None) -> str | None:
    """ISO 8601 text: ``YYYY-MM-DD`` when only a day was said, ``YYYY-MM-DDTHH:MM:SS`` with a time."""
    found = parse_datetime(text, now)
    if found is None:
        return None
    return found.isoformat() if mentions_time(text) else found.date().isoformat()
