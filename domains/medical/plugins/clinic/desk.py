"""Front-desk policy: which days and times can be booked, with the sentence to say when not.

Pure functions over a ``Clinic`` and an explicit ``now`` so they are easy to test; the
plugin actions call them with the current local time (the clinic's wall clock).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from .dates import DateProblem, TimeChoice, describe, describe_day, describe_time
from .store import MAX_DAYS_AHEAD, Clinic, Doctor, default_path

DAY_NAMES = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"]
#: at most this many alternative times are offered at once
OFFER = 4


@lru_cache(maxsize=8)
def _clinic_at(path: Path) -> Clinic:
    return Clinic(path)


def clinic_for(model_dir: Path) -> Clinic:
    """The clinic database of a domain (built on first use), shared by all its actions."""
    return _clinic_at(default_path(model_dir))


def normalise_ref(text: str) -> str | None:
    """'rc48213', 'RC 48213', 'RC-48213' → 'RC-48213'; None when there is no reference in the text."""
    match = re.search(r"\b(rc)[\s-]?(\d{5})\b", str(text), re.IGNORECASE)
    return f"RC-{match.group(2)}" if match else None


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def working_days(doctor: Doctor) -> str:
    return join_words([DAY_NAMES[d] for d in doctor.days])


def candidates(clinic: Clinic, doctor_name: str | None, specialty: str | None) -> list[Doctor]:
    """The doctors a booking may go to: the named one, else every doctor of the specialty (or all)."""
    if doctor_name and doctor_name != "any":
        doctor = clinic.doctor(doctor_name)
        return [doctor] if doctor else []
    return clinic.doctors(specialty)


def who(doctors: list[Doctor], specialty: str | None) -> str:
    if len(doctors) == 1:
        return doctors[0].name
    return f"our {specialty} doctors" if specialty else "our doctors"


def check_day(clinic: Clinic, day: date, doctors: list[Doctor], specialty: str | None, now: datetime) -> None:
    """Raise ``DateProblem`` (with what to say) unless something can be booked on ``day``."""
    today = now.date()
    if day < today:
        raise DateProblem(f"{describe_day(day)} has already passed. Which upcoming day would suit you?")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DateProblem(f"I can only book up to {MAX_DAYS_AHEAD} days ahead. Could you pick an earlier day?")
    hours = clinic.hours_on(day)
    if hours is None:
        raise DateProblem(f"We're closed on {day.strftime('%A')}s. {_next_open_hint(clinic, day, doctors, specialty, now)}")
    if doctors and not any(d.works_on(day) for d in doctors):
        if len(doctors) == 1:
            raise DateProblem(f"{doctors[0].name} works on {working_days(doctors[0])}, not on {day.strftime('%A')}s. "
                              + _next_open_hint(clinic, day, doctors, specialty, now))
        raise DateProblem(f"None of our {specialty or ''} doctors work on {day.strftime('%A')}s. "
                          + _next_open_hint(clinic, day, doctors, specialty, now))
    if day == today and datetime.combine(day, hours[1]) - timedelta(minutes=30) <= now:
        raise DateProblem("We're closed for the rest of today. " + _next_open_hint(clinic, day, doctors, specialty, now))
    if doctors and not clinic.free_slots(doctors, day, now):
        raise DateProblem(f"{who(doctors, specialty)} {'is' if len(doctors) == 1 else 'are'} fully booked on "
                          f"{describe_day(day)}. " + _next_open_hint(clinic, day, doctors, specialty, now))


def _next_open_hint(clinic: Clinic, day: date, doctors: list[Doctor], specialty: str | None, now: datetime) -> str:
    following = next_free_day(clinic, max(day, now.date()), doctors, now)
    if following is None:
        return "Which other day would suit you?"
    return f"The next day with free times is {describe_day(following)}. Would that work?"


def next_free_day(clinic: Clinic, after: date, doctors: list[Doctor], now: datetime) -> date | None:
    for offset in range(1, 22):
        day = after + timedelta(days=offset)
        if clinic.hours_on(day) and (not doctors or clinic.free_slots(doctors, day, now)):
            return day
    return None


def choose_time(clinic: Clinic, day: date, choice: TimeChoice, doctors: list[Doctor], specialty: str | None,
                now: datetime) -> tuple[time, Doctor | None]:
    """The slot to book for ``choice`` on ``day`` (and which doctor is free then), or ``DateProblem``."""
    hours = clinic.hours_on(day)
    if hours is None:
        raise DateProblem(f"We're closed on {day.strftime('%A')}s.")
    opens, closes = hours
    hours_text = f"{describe_time(opens)} to {describe_time(closes)}"
    free = clinic.free_slots(doctors, day, now) if doctors else [(t, None) for t in clinic.slot_starts(day)
                                                                 if datetime.combine(day, t) > now]
    if choice.window is not None:
        start, end = choice.window
        inside = [(t, d) for t, d in free if start <= t < end]
        if inside:
            return inside[0]
        if start >= closes or end <= opens:
            raise DateProblem(f"On {day.strftime('%A')}s we're open {hours_text}, so the {choice.label} doesn't work. "
                              + offer(free))
        raise DateProblem(f"There's nothing free in the {choice.label} on {describe_day(day)}. " + offer(free))
    at = choice.exact
    assert at is not None
    if at < opens or at >= closes:
        raise DateProblem(f"On {day.strftime('%A')}s we're open {hours_text}. " + offer(free))
    if at.minute not in (0, 30):
        earlier = time(at.hour, 0 if at.minute < 30 else 30)
        raise DateProblem(f"Appointments start on the hour or half hour. Would {describe_time(earlier)} or "
                          f"{describe_time((datetime.combine(day, earlier) + timedelta(minutes=30)).time())} work?")
    if datetime.combine(day, at) >= datetime.combine(day, closes) - timedelta(minutes=29):
        raise DateProblem(f"The last appointment of the day starts at "
                          f"{describe_time((datetime.combine(day, closes) - timedelta(minutes=30)).time())}. " + offer(free))
    if datetime.combine(day, at) <= now:
        raise DateProblem(f"{describe_time(at)} today has already passed. " + offer(free))
    for start, doctor in free:
        if start == at:
            return start, doctor
    busy = who(doctors, specialty)
    raise DateProblem(f"Sorry, {busy} {'is' if len(doctors) == 1 else 'are'} booked at {describe_time(at)} on "
                      f"{describe_day(day)}. " + offer(free, near=at))


def offer(free: list[tuple[time, Doctor | None]], near: time | None = None) -> str:
    """'Free times that day: 9:30 AM, 10:00 AM, ... Which would you like?'"""
    starts = sorted({t for t, _ in free})
    if not starts:
        return "There are no free times left that day; which other day would suit you?"
    if near is not None:
        anchor = datetime.combine(date.min, near)
        starts = sorted(starts, key=lambda t: abs(datetime.combine(date.min, t) - anchor))[:OFFER]
        starts.sort()
    else:
        starts = starts[:OFFER]
    return f"Free times that day: {', '.join(describe_time(t) for t in starts)}. Which would you like?"


def first_free_doctor(clinic: Clinic, doctors: list[Doctor], moment: datetime, now: datetime) -> Doctor | None:
    for start, doctor in clinic.free_slots(doctors, moment.date(), now):
        if start == moment.time():
            return doctor
    return None


__all__ = [
    "DateProblem", "candidates", "check_day", "choose_time", "clinic_for", "describe", "first_free_doctor",
    "join_words", "next_free_day", "normalise_ref", "offer", "who", "working_days",
]
