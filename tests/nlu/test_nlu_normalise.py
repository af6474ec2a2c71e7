from __future__ import annotations

from datetime import datetime

import pytest

from dialogue.nlu.normalise import _builtin_datetime, iso_value, parse_number

NOW = datetime(2026, 11, 26, 10, 0)  # a Thursday


@pytest.mark.parametrize(
    ("text", "value"),
    [("$50", 50), ("1,250.50 euros", 1250.5), ("3.5k", 3500), ("twenty five", 25), ("two hundred and five", 205),
     ("fifty-five", 55), ("3rd", 3), ("a thousand", 1000), ("nothing", None)],
)
def test_parse_number(text: str, value: object) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [("tomorrow at 3pm", datetime(2026, 11, 27, 15)), ("next tuesday", datetime(2026, 12, 1)),
     ("friday", datetime(2026, 11, 27)), ("thursday", datetime(2026, 12, 3)), ("in two hours", datetime(2026, 11, 26, 12)),
     ("7:30 pm", datetime(2026, 11, 26, 19, 30)), ("the 5th of may", datetime(2027, 5, 5)),
     ("2026-12-24", datetime(2026, 12, 24)), ("noon tomorrow", datetime(2026, 11, 27, 12)), ("blue", None)],
)
def test_builtin_dates_without_dateparser(text: str, expected: datetime | None) -> None:
    assert _builtin_datetime(text, NOW) == expected


def test_iso_value_date_only_vs_datetime() -> None:
    assert iso_value("next tuesday", NOW) == "2026-12-01"
    assert iso_value("tomorrow at 3pm", NOW) == "2026-11-27T15:00:00"
