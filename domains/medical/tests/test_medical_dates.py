"""The medical pack's date and time parsing: what patients type → real dates and times."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from dialogue.components import import_domain_plugin

PACK = Path(__file__).resolve().parents[1]
dates = import_domain_plugin(PACK, "clinic.dates")

WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", date(2026, 11, 26)),
        ("tmrw", date(2026, 11, 26)),
        ("the day after tomorrow", date(2026, 11, 27)),
        ("today", WEDNESDAY),
        ("next Tuesday", date(2026, 12, 1)),
        ("friday", date(2026, 11, 27)),
        ("Wednesday", date(2026, 12, 2)),  # a weekday is never today
        ("this coming Monday", date(2026, 11, 30)),
        ("March 5th", date(2027, 3, 5)),  # already past this year → next year
        ("december 3", date(2026, 12, 3)),
        ("the 14th of January", date(2027, 1, 14)),
        ("5 Dec", date(2026, 12, 5)),
        ("12/18/2026", date(2026, 12, 18)),
        ("12/15", date(2026, 12, 15)),
        ("2027-02-01", date(2027, 2, 1)),
        ("2026-12-03T15:00:00", date(2026, 12, 3)),  # what the spaCy extractor produces
        ("Tuesday, December 1st", date(2026, 12, 1)),
        ("friday the 27th", date(2026, 11, 27)),
        ("can I come in on the 30th", date(2026, 11, 30)),
    ],
)
def test_days(text: str, expected: date) -> None:
    assert dates.parse_day(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("next week", "Which day exactly"),
        ("whenever", "couldn't work out the day"),
        ("yesterday", "already passed"),
        ("February 30", "not a real date"),
        ("Monday December 3rd", "is a Thursday"),
    ],
)
def test_days_that_are_refused_say_why(text: str, reason: str) -> None:
    with pytest.raises(dates.DateProblem, match=reason):
        dates.parse_day(text, WEDNESDAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3pm", time(15, 0)),
        ("3 PM", time(15, 0)),
        ("10:30am", time(10, 30)),
        ("9 a.m.", time(9, 0)),
        ("15:30", time(15, 30)),
        ("4:30", time(16, 30)),  # a clinic's "4:30" is in the afternoon
        ("noon", time(12, 0)),
        ("at 3", time(15, 0)),
        ("at 10", time(10, 0)),
        ("half past two", time(14, 30)),
        ("11 o'clock", time(11, 0)),
        ("2026-12-03T09:30:00", time(9, 30)),
        ("12am", time(0, 0)),
    ],
)
def test_times(text: str, expected: time) -> None:
    choice = dates.parse_time(text)
    assert choice.exact == expected and choice.window is None


def test_parts_of_the_day_are_windows() -> None:
    morning = dates.parse_time("tomorrow morning")
    assert morning.exact is None and morning.window == (time(8, 0), time(12, 0)) and morning.label == "morning"
    assert dates.parse_time("late afternoon").window == (time(15, 0), time(18, 0))


@pytest.mark.parametrize("text", ["whenever you like", "25:00", "soon"])
def test_unusable_times_are_refused(text: str) -> None:
    with pytest.raises(dates.DateProblem):
        dates.parse_time(text)


def test_descriptions_read_naturally() -> None:
    assert dates.describe_time(time(15, 0)) == "3:00 PM"
    assert dates.describe_time(time(12, 30)) == "12:30 PM"
    assert dates.describe_day(date(date.today().year, 12, 1)).endswith("1 December")
    assert dates.describe_day(date(2099, 1, 5)) == "Monday 5 January 2099"
