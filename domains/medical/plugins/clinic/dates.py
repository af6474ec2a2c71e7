"""Turn what patients type ("next Tuesday", "the 14th of January", "half 3", "3pm", "morning") into dates and times.

Deliberately small and predictable rather than clever: a front desk must never book the wrong
day, so anything ambiguous is rejected with a reason the bot can say. ISO values (what the
spaCy extractor produces) are accepted as they are. A weekday means the next such day, never
today ("Tuesday" said on a Tuesday is next week's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}
#: named parts of the day: (from, until) as clinic-relevant windows
WINDOWS = {
    "early morning": (time(8, 0), time(10, 0)),
    "morning": (time(8, 0), time(12, 0)),
    "late morning": (time(10, 0), time(12, 0)),
    "lunchtime": (time(12, 0), time(14, 0)),
    "early afternoon": (time(12, 0), time(15, 0)),
    "afternoon": (time(12, 0), time(18, 0)),
    "late afternoon": (time(15, 0), time(18, 0)),
    "evening": (time(17, 0), time(21, 0)),
    "early evening": (time(17, 0), time(19, 0)),
}

_WD = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(\d{1,2})(?:st|nd|rd|th)?"


class DateProblem(ValueError):
    """The text has no usable day or time; ``str(exc)`` is said to the patient."""


@dataclass(frozen=True)
class TimeChoice:
    """An exact time ("3pm") or a window of the day ("in the morning")."""

    exact: time | None = None
    window: tuple[time, time] | None = None
    label: str = ""


def _clean(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"\b(tomorow|tommorow|tommorrow|tmrw|tmr|tmrrw)\b", "tomorrow", text)
    return re.sub(r"\s+", " ", text).strip()


def _next_weekday(today: date, weekday: int) -> date:
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _month_day(today: date, month: int, day: int, year: int | None = None) -> date:
    """The date of month/day: this year, or next year if that is already past (unless a year is given)."""
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        if candidate < today:
            candidate = date(today.year + 1, month, day)
        return candidate
    except ValueError:
        raise DateProblem(f"{day}/{month} is not a real date.") from None


def parse_day(text: str, today: date) -> date:
    """The day the text names, relative to ``today``; raises ``DateProblem`` with a reason."""
    raw = str(text).strip()
    iso = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ][\d:.+\-Z]*)?", raw)
    if iso:
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError:
            raise DateProblem(f"{iso.group(1)} is not a real date.") from None
    t = _clean(raw)
    if re.search(r"\bday after tomorrow\b", t):
        return today + timedelta(days=2)
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", t):
        return today
    if re.search(r"\btomorrow\b", t):
        return today + timedelta(days=1)
    if re.search(r"\byesterday\b|\blast (week|month|" + _WD + r")\b", t):
        raise DateProblem("That day has already passed.")
    if m := re.search(rf"\b(?:({_WD}),? )?(?:the )?{_ORD} (?:of )?({_MON})\b(?:,? (\d{{4}}))?", t):
        found = _month_day(today, MONTHS[m.group(3)], int(m.group(2)), int(m.group(4)) if m.group(4) else None)
        return _check_weekday(found, m.group(1))
    if m := re.search(rf"\b(?:({_WD}),? )?({_MON})\.? {_ORD}\b(?:,? (\d{{4}}))?", t):
        found = _month_day(today, MONTHS[m.group(2)], int(m.group(3)), int(m.group(4)) if m.group(4) else None)
        return _check_weekday(found, m.group(1))
    if m := re.search(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?![\d/])", t):
        year = int(m.group(3)) if m.group(3) else None
        if year is not None and year < 100:
            year += 2000
        return _month_day(today, int(m.group(1)), int(m.group(2)), year)
    if m := re.search(rf"\b(next|this|coming|this coming)? ?({_WD})\b(?:,? (?:the )?(\d{{1,2}})(?:st|nd|rd|th)\b)?", t):
        weekday = WEEKDAYS[m.group(2)]
        if m.group(3):
            return _check_weekday(_day_of_month(today, int(m.group(3))), m.group(2))
        return _next_weekday(today, weekday)
    if m := re.search(r"\bthe (\d{1,2})(?:st|nd|rd|th)\b", t):
        return _day_of_month(today, int(m.group(1)))
    if re.search(r"\b(next|this|coming) (week|month)\b|\bweekend\b", t):
        raise DateProblem("Which day exactly? For example \"next Tuesday\" or \"March 5\".")
    raise DateProblem("Sorry, I couldn't work out the day. Could you say it like \"next Tuesday\" or \"March 5\"?")


def _day_of_month(today: date, day: int) -> date:
    """The next date (from today) whose day of month is ``day``."""
    for months_ahead in range(0, 3):
        month = (today.month - 1 + months_ahead) % 12 + 1
        year = today.year + (today.month - 1 + months_ahead) // 12
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise DateProblem(f"The {day}th is not a real date.")


def _check_weekday(found: date, weekday_word: str | None) -> date:
    if weekday_word and WEEKDAYS[weekday_word] != found.weekday():
        raise DateProblem(f"{found.strftime('%B')} {found.day} is a {found.strftime('%A')}, not a "
                          f"{weekday_word.capitalize() if len(weekday_word) > 3 else weekday_word}. Which did you mean?")
    return found


def parse_time(text: str) -> TimeChoice:
    """The time or part of the day the text names; raises ``DateProblem`` with a reason."""
    raw = str(text).strip()
    iso = re.fullmatch(r"(?:\d{4}-\d{2}-\d{2}[T ])?(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:[+\-]\d{2}:?\d{2}|Z)?", raw)
    if iso:
        try:
            return TimeChoice(exact=time.fromisoformat(iso.group(1)))
        except ValueError:
            raise DateProblem("That isn't a real time of day.") from None
    t = _clean(raw).replace("a.m.", "am").replace("p.m.", "pm")
    if re.search(r"\b(noon|midday|12 ?noon)\b", t):
        return TimeChoice(exact=time(12, 0))
    if re.search(r"\bmidnight\b", t):
        return TimeChoice(exact=time(0, 0))
    if m := re.search(r"\b(\d{1,2})(?:[:.](\d{2}))? ?(am|pm)\b", t):
        return TimeChoice(exact=_clock(int(m.group(1)), int(m.group(2) or 0), m.group(3)))
    if m := re.search(r"\b(\d{1,2})[:.h](\d{2})\b", t):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour < 8 and not re.search(r"\b(morning|am)\b", t):
            hour += 12  # "at 3:30" in a clinic means the afternoon
        return TimeChoice(exact=_clock(hour, minute, None))
    if m := re.search(rf"\bhalf (?:past )?(\d{{1,2}}|{'|'.join(NUMBER_WORDS)})\b", t):
        return TimeChoice(exact=_guess_half_day(_number(m.group(1)), 30, t))
    if m := re.search(rf"\bquarter (past|to) (\d{{1,2}}|{'|'.join(NUMBER_WORDS)})\b", t):
        hour = _number(m.group(2))
        minute = 15 if m.group(1) == "past" else 45
        return TimeChoice(exact=_guess_half_day(hour if m.group(1) == "past" else hour - 1, minute, t))
    if m := re.search(rf"\b(\d{{1,2}}|{'|'.join(NUMBER_WORDS)}) ?o'?clock\b", t):
        return TimeChoice(exact=_guess_half_day(_number(m.group(1)), 0, t))
    for label in sorted(WINDOWS, key=len, reverse=True):
        if re.search(rf"\b{label}\b", t) or (label == "lunchtime" and re.search(r"\blunch ?time\b|\blunch\b", t)):
            return TimeChoice(window=WINDOWS[label], label=label)
    if m := re.search(rf"^(?:at |around |about |say )?(\d{{1,2}}|{'|'.join(NUMBER_WORDS)})(?: ?ish)?[.!]?$", t) \
            or re.search(r"\bat (\d{1,2})\b", t):
        return TimeChoice(exact=_guess_half_day(_number(m.group(1)), 0, t))
    raise DateProblem("Sorry, I didn't catch the time. Could you say it like \"10:30 am\" or \"3 pm\"?")


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _clock(hour: int, minute: int, meridiem: str | None) -> time:
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise DateProblem("That isn't a real time of day.")
    return time(hour, minute)


def _guess_half_day(hour: int, minute: int, text: str) -> time:
    """A bare hour at a clinic: 8-11 is the morning, 12-7 the afternoon, unless the text says."""
    if "morning" in text or re.search(r"\bam\b", text):
        return _clock(hour, minute, "am")
    if "afternoon" in text or "evening" in text or re.search(r"\bpm\b", text):
        return _clock(hour, minute, "pm")
    if 1 <= hour <= 7:
        hour += 12
    return _clock(hour, minute, None)


def describe_day(day: date) -> str:
    """'Tuesday 1 December' (the year only when it is not this year's)."""
    text = f"{day.strftime('%A')} {day.day} {day.strftime('%B')}"
    return text if day.year == date.today().year else f"{text} {day.year}"


def describe_time(at: time) -> str:
    """'3:00 PM', '9:30 AM', '12:00 PM (noon)'."""
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def describe(moment: datetime) -> str:
    return f"{describe_day(moment.date())} at {describe_time(moment.time())}"
