"""The clinic database and the front-desk policy over it, on a freshly built database."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from dialogue.components import import_domain_plugin

PACK = Path(__file__).resolve().parents[1]
clinic_lib = import_domain_plugin(PACK, "clinic")
dates, desk, store = clinic_lib.dates, clinic_lib.desk, clinic_lib.store

#: a Monday a little ahead, so the whole test week is bookable
MONDAY = date.today() + timedelta(days=7 - date.today().weekday())
NOW = datetime.combine(MONDAY, time(7, 30))


def on(weekday: int, weeks: int = 0) -> date:
    return MONDAY + timedelta(days=weekday, weeks=weeks)


@pytest.fixture()
def clinic(tmp_path: Path) -> store.Clinic:
    path = store.build_module().build(tmp_path / "clinic.sqlite3", start=MONDAY)
    return store.Clinic(path)


def test_build_is_realistic_and_deterministic(tmp_path: Path) -> None:
    build = store.build_module().build
    first, second = build(tmp_path / "a.sqlite3", start=MONDAY), build(tmp_path / "b.sqlite3", start=MONDAY)
    query = "SELECT doctor_id, starts_at, patient_name FROM appointments ORDER BY doctor_id, starts_at"
    with sqlite3.connect(first) as a, sqlite3.connect(second) as b:
        rows = a.execute(query).fetchall()
        assert rows == b.execute(query).fetchall()
        assert len(rows) > 1000
        assert {r[0] for r in a.execute("SELECT ref FROM appointments WHERE ref LIKE 'RC-4%' OR ref LIKE 'RC-5%'")}
        doctors = a.execute("SELECT COUNT(DISTINCT specialty), COUNT(*) FROM doctors").fetchone()
        assert doctors == (7, 9)
    starts = [datetime.fromisoformat(r[1]) for r in rows]
    assert min(starts).date() >= MONDAY
    assert all(s.time() < time(16, 0) for s in starts), "late-afternoon slots are kept free by the seed"


def test_the_calendar_repeats_weekly(clinic) -> None:  # noqa: ANN001
    patel = clinic.doctor("Dr. Anika Patel")
    week1 = {t for t, _ in clinic.free_slots([patel], on(1), NOW)}
    week2 = {t for t, _ in clinic.free_slots([patel], on(1, weeks=2), NOW)}
    assert week1 == week2
    assert time(16, 30) in week1 and time(17, 30) in week1 and time(18, 0) not in week1


def test_an_old_database_is_extended(tmp_path: Path) -> None:
    module = store.build_module()
    path = module.build(tmp_path / "old.sqlite3", start=date.today() - timedelta(days=60), weeks=2)
    assert module.extend(path)
    assert not module.extend(path)  # already far enough ahead
    with sqlite3.connect(path) as db:
        last = db.execute("SELECT MAX(starts_at) FROM appointments").fetchone()[0]
    assert datetime.fromisoformat(last).date() >= date.today() + timedelta(days=90)


def test_check_day_explains_every_refusal(clinic) -> None:  # noqa: ANN001
    chen = [clinic.doctor("Dr. Laura Chen")]
    gps = clinic.doctors("General Practice")
    desk.check_day(clinic, on(1), chen, "Cardiology", NOW)  # Tuesday: fine
    cases = [
        (on(0) - timedelta(days=1), gps, "already passed"),
        (on(6), gps, "closed on Sundays"),
        (on(0), chen, "works on Tuesdays and Thursdays"),
        (MONDAY + timedelta(days=120), gps, "90 days"),
    ]
    for day, doctors, reason in cases:
        with pytest.raises(dates.DateProblem, match=reason):
            desk.check_day(clinic, day, doctors, None, NOW)
    late = datetime.combine(MONDAY, time(17, 45))
    with pytest.raises(dates.DateProblem, match="closed for the rest of today"):
        desk.check_day(clinic, MONDAY, gps, "General Practice", late)


def test_choose_time_respects_hours_slots_and_bookings(clinic) -> None:  # noqa: ANN001
    patel = [clinic.doctor("Dr. Anika Patel")]
    tuesday = on(1)
    at, doctor = desk.choose_time(clinic, tuesday, dates.TimeChoice(exact=time(16, 30)), patel, None, NOW)
    assert (at, doctor.name) == (time(16, 30), "Dr. Anika Patel")
    taken = sorted(set(clinic.slot_starts(tuesday)) - {t for t, _ in clinic.free_slots(patel, tuesday, NOW)})
    assert taken, "the seed books some of Dr. Patel's Tuesday"
    with pytest.raises(dates.DateProblem, match=r"booked at .*Free times that day"):
        desk.choose_time(clinic, tuesday, dates.TimeChoice(exact=taken[0]), patel, None, NOW)
    with pytest.raises(dates.DateProblem, match="open 8:00 AM to 6:00 PM"):
        desk.choose_time(clinic, tuesday, dates.TimeChoice(exact=time(19, 0)), patel, None, NOW)
    with pytest.raises(dates.DateProblem, match="hour or half hour"):
        desk.choose_time(clinic, tuesday, dates.TimeChoice(exact=time(10, 15)), patel, None, NOW)
    with pytest.raises(dates.DateProblem, match="open 9:00 AM to 1:00 PM"):
        desk.choose_time(clinic, on(5), dates.TimeChoice(exact=time(14, 0)), clinic.doctors("Pediatrics"), None, NOW)


def test_a_part_of_the_day_gets_its_first_free_slot(clinic) -> None:  # noqa: ANN001
    patel = [clinic.doctor("Dr. Anika Patel")]
    free = [t for t, _ in clinic.free_slots(patel, on(1), NOW) if t < time(12, 0)]
    at, _ = desk.choose_time(clinic, on(1), dates.parse_time("in the morning"), patel, None, NOW)
    assert at == free[0]
    evening = dates.parse_time("evening")
    at, _ = desk.choose_time(clinic, on(1), evening, patel, None, NOW)
    assert at == time(17, 0)


def test_booking_moving_and_cancelling(clinic) -> None:  # noqa: ANN001
    kim = clinic.doctor("Dr. Sarah Kim")
    moment = datetime.combine(on(2), time(16, 30))
    ref = clinic.book(kim, "Noah Park", moment, "conversation-1")
    with pytest.raises(store.SlotTaken):
        clinic.book(kim, "Someone Else", moment, "conversation-2")
    booked = clinic.appointment(ref)
    assert (booked.doctor.name, booked.patient_name, booked.starts_at, booked.status) == (
        "Dr. Sarah Kim", "Noah Park", moment, "booked")
    assert [a.ref for a in clinic.appointments_of("conversation-1", NOW)] == [ref]
    assert clinic.appointments_of("conversation-2", NOW) == []
    later = moment + timedelta(minutes=30)
    clinic.reschedule(ref, later)
    assert clinic.appointment(ref).starts_at == later
    clinic.book(kim, "Another Patient", moment, "conversation-2")  # the old slot is free again
    clinic.cancel(ref)
    assert clinic.appointment(ref).status == "cancelled"
    with pytest.raises(LookupError):
        clinic.cancel(ref)


def test_prescriptions_and_requests(clinic) -> None:  # noqa: ANN001
    on_file = clinic.prescription("maria gonzalez", "Lisinopril")
    assert (on_file.prescriber, on_file.refills_left, on_file.controlled) == ("Dr. Anika Patel", 2, False)
    assert clinic.prescription("Maria Gonzalez", "metformin") is None
    assert clinic.medication("OXYCODONE") == ("oxycodone", True)
    ref = clinic.request_refill("Maria Gonzalez", "lisinopril", on_file, "c")
    assert ref.startswith("RX-")
    with sqlite3.connect(clinic.path) as db:
        row = db.execute("SELECT prescription_id, medication, status FROM refill_requests WHERE ref = ?", (ref,)).fetchone()
    assert row == (on_file.id, "lisinopril", "pending_review")


def test_references_are_normalised() -> None:
    assert desk.normalise_ref("it's rc48213 i think") == "RC-48213"
    assert desk.normalise_ref("RC 10234") == "RC-10234"
    assert desk.normalise_ref("12345") is None
