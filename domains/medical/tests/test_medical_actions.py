"""The medical pack's actions against a real (freshly built) clinic database."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dialogue.actions import ActionContext
from dialogue.components import build_component, import_domain_plugin
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import Entity, IntentScore, ParsedMessage
from dialogue.pipeline import Bot
from dialogue.registry import registry
from dialogue.stores.memory import MemoryStore


def next_weekday(weekday: int) -> date:
    today = date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


@pytest.fixture()
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "clinic.sqlite3"
    monkeypatch.setenv("MEDICAL_CLINIC_DB", str(path))
    return path


async def run(domain, name: str, slots: dict[str, Any], text: str = "", entities: tuple[Entity, ...] = (),
              conversation: str = "conv-1") -> ActionContext:  # noqa: ANN001
    latest = ParsedMessage(conversation_id=conversation, turn_id=1, text=text,
                           intent=IntentScore(name="inform", confidence=1.0), entities=entities)
    full = {name: spec.initial for name, spec in domain.slots.items()} | slots
    ctx = ActionContext(conversation_id=conversation, domain=domain, slots=full, latest=latest)
    await registry("action").get(name).run(ctx)
    return ctx


def said(ctx: ActionContext) -> list[str]:
    return [f"{a.name}: {a.slots.get('problem', '')}".rstrip(": ") for a in ctx.result.acts]


async def test_validate_date_normalises_and_explains(domain, db_path) -> None:  # noqa: ANN001
    tuesday = next_weekday(1)
    ctx = await run(domain, "validate_date", {"appointment_date": "next Tuesday", "specialty": "Cardiology"})
    assert ctx.result.slots["appointment_date"] == tuesday.isoformat()
    assert ctx.result.slots["appointment_day"].startswith("Tuesday")
    ctx = await run(domain, "validate_date", {"appointment_date": "Monday", "doctor": "Dr. Laura Chen",
                                              "specialty": "Cardiology"})
    assert ctx.result.slots["appointment_date"] is None
    assert "works on Tuesdays and Thursdays" in said(ctx)[0]
    ctx = await run(domain, "validate_date", {"appointment_date": "sunday", "specialty": "General Practice"})
    assert "closed on Sundays" in said(ctx)[0]


async def test_a_new_day_rechecks_an_earlier_time(domain, db_path) -> None:  # noqa: ANN001
    saturday = next_weekday(5)
    ctx = await run(domain, "validate_date", {"appointment_date": saturday.isoformat(), "appointment_time": "16:30",
                                              "specialty": "Pediatrics"})
    assert ctx.result.slots["appointment_date"] == saturday.isoformat()
    assert ctx.result.slots["appointment_time"] is None  # Saturdays close at 1 pm
    assert "open 9:00 AM to 1:00 PM" in said(ctx)[0]


async def test_validate_time_books_only_free_slots(domain, db_path) -> None:  # noqa: ANN001
    tuesday = next_weekday(1).isoformat()
    slots = {"appointment_date": tuesday, "doctor": "Dr. Anika Patel", "specialty": "General Practice"}
    ctx = await run(domain, "validate_time", {**slots, "appointment_time": "4:30pm"})
    assert ctx.result.slots["appointment_time"] == "16:30"
    assert ctx.result.slots["appointment_when"].endswith("at 4:30 PM")
    ctx = await run(domain, "validate_time", {**slots, "appointment_time": "at 7pm"})
    assert ctx.result.slots["appointment_time"] is None and "open 8:00 AM to 6:00 PM" in said(ctx)[0]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("my name is maria gonzalez", "Maria Gonzalez"), ("It's Kevin O'Brien.", "Kevin O'Brien"),
     ("I don't know", None), ("Maria", None), ("next tuesday please", None), ("asdf1234 qq", None)],
)
async def test_validate_patient_name(domain, db_path, typed: str, expected: str | None) -> None:  # noqa: ANN001
    ctx = await run(domain, "validate_patient_name", {"patient_name": typed})
    assert ctx.result.slots["patient_name"] == expected


@pytest.mark.parametrize(("typed", "expected"), [("7", 7), ("about a seven", 7), ("10/10", 10), ("0", None),
                                                 ("11", None), ("bad", None)])
async def test_validate_severity(domain, db_path, typed: str, expected: int | None) -> None:  # noqa: ANN001
    ctx = await run(domain, "validate_severity", {"severity": typed})
    assert ctx.result.slots["severity"] == expected


async def test_controlled_medication_needs_a_visit(domain, db_path) -> None:  # noqa: ANN001
    ctx = await run(domain, "validate_medication", {"medication": "alprazolam"})
    assert ctx.result.slots["medication"] is None
    assert [a.name for a in ctx.result.acts] == ["utter_refill_needs_visit"]
    ctx = await run(domain, "validate_medication", {"medication": "Lisinopril"})
    assert ctx.result.slots["medication"] == "lisinopril"


async def test_booking_is_recorded_with_the_right_fields(domain, db_path) -> None:  # noqa: ANN001
    tuesday = next_weekday(1)
    slots = {"doctor": "any", "specialty": "Cardiology", "appointment_date": tuesday.isoformat(),
             "appointment_time": "16:30", "patient_name": "Noah Park"}
    ctx = await run(domain, "action_book_appointment", slots, conversation="conv-book")
    ref = ctx.result.slots["booked_ref"]
    assert [a.name for a in ctx.result.acts] == ["utter_booked"]
    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT d.name, a.patient_name, a.starts_at, a.status, a.source FROM appointments a "
                         "JOIN doctors d ON d.id = a.doctor_id WHERE a.ref = ?", (ref,)).fetchone()
    assert row == ("Dr. Laura Chen", "Noah Park", f"{tuesday.isoformat()}T16:30", "booked", "bot")
    # the same slot again: Dr. Chen is the only cardiologist, so it is taken now
    again = await run(domain, "action_book_appointment", slots, conversation="conv-other")
    assert [a.name for a in again.result.acts] == ["utter_slot_taken"]
    listed = await run(domain, "action_list_appointments", {}, conversation="conv-book")
    assert ref in listed.result.acts[0].slots["listing"]


async def test_cancel_and_reschedule_a_seeded_appointment(domain, db_path) -> None:  # noqa: ANN001
    ctx = await run(domain, "validate_appointment_ref", {"appointment_ref": "rc 40213"})
    assert ctx.result.slots["appointment_ref"] == "RC-40213"
    assert ctx.result.slots["doctor"] == "Dr. Anika Patel"
    thursday = next_weekday(3)
    moved = await run(domain, "action_reschedule_appointment",
                      {"appointment_ref": "RC-40213", "appointment_date": thursday.isoformat(), "appointment_time": "17:00"})
    assert [a.name for a in moved.result.acts] == ["utter_rescheduled"]
    cancelled = await run(domain, "action_cancel_appointment", {"appointment_ref": "RC-40213"})
    assert [a.name for a in cancelled.result.acts] == ["utter_cancelled_appointment"]
    gone = await run(domain, "validate_appointment_ref", {"appointment_ref": "RC-40213"})
    assert gone.result.slots["appointment_ref"] is None and "can't find" in said(gone)[0]


async def test_refill_and_intake_are_stored(domain, db_path) -> None:  # noqa: ANN001
    ctx = await run(domain, "action_request_refill", {"patient_name": "Maria Gonzalez", "medication": "lisinopril"})
    assert ctx.result.acts[0].name == "utter_refill_sent"
    assert ctx.result.acts[0].slots["prescriber"] == "Dr. Anika Patel"
    unknown = await run(domain, "action_request_refill", {"patient_name": "New Patient", "medication": "metformin"})
    assert unknown.result.acts[0].name == "utter_refill_not_on_file"
    intake = await run(domain, "action_record_intake", {"symptom": "sore throat", "symptom_since": "since Monday",
                                                        "severity": 8, "booked_ref": None})
    assert intake.result.acts[0].slots["high"] is True
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM refill_requests").fetchone()[0] == 2
        assert db.execute("SELECT symptom, since, severity FROM intake_notes").fetchall() == [
            ("sore throat", "since Monday", 8)]


async def test_hours_and_doctors_come_from_the_data(domain, db_path) -> None:  # noqa: ANN001
    hours = await run(domain, "action_clinic_hours", {})
    assert "Monday to Friday 8:00 AM to 6:00 PM, Saturday 9:00 AM to 1:00 PM" in hours.result.acts[0].slots["hours_text"]
    sunday = Entity(type="date", value="Sunday", text="Sunday", start=0, end=6)
    closed = await run(domain, "action_clinic_hours", {}, entities=(sunday,))
    assert closed.result.acts[0].slots["hours_text"].startswith("We're closed on Sunday")
    saturday = Entity(type="date", value="next Saturday", text="next Saturday", start=0, end=13)
    open_day = await run(domain, "action_clinic_hours", {}, entities=(saturday,))
    saturday_text = import_domain_plugin(domain, "clinic.dates").describe_day(next_weekday(5))
    assert open_day.result.acts[0].slots["hours_text"] == f"On {saturday_text} we're open 9:00 AM to 1:00 PM."
    cardio = Entity(type="specialty", value="Cardiology", text="cardiologist", start=0, end=12)
    doctors = await run(domain, "action_list_doctors", {}, entities=(cardio,))
    assert "Dr. Laura Chen (Tuesdays and Thursdays)" in doctors.result.acts[0].slots["doctors_text"]


async def test_booking_end_to_end_through_the_dialogue_manager(domain, db_path) -> None:  # noqa: ANN001
    """Forms, validation, confirmation and the write, with payloads standing in for the classifier."""
    nlu = [build_component("nlu", ComponentSpec(use=name), domain)
           for name in ("regex_entities", "lookup_entities", "synonyms", "entity_conflicts", "safety_guard")]
    bot = Bot.from_domain(domain, store=MemoryStore(), nlu_components=nlu)
    try:
        replies = []
        for text in ("/book_appointment", "/inform{\"specialty\": \"Dermatology\"}", "/inform{\"date\": \"next Friday\"}",
                     "/inform{\"time\": \"5pm\"}", "Aisha Rahman", "/affirm"):
            turn = await bot.say("e2e", text)
            replies.append([m.response for m in turn.messages])
    finally:
        await bot.close()
    assert replies[1] == ["utter_ask_date"] and replies[2] == ["utter_ask_time"]
    assert replies[4] == ["utter_confirm_booking"] and replies[5] == ["utter_booked"]
    friday = next_weekday(4)
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT d.name, a.patient_name, a.starts_at FROM appointments a JOIN doctors d "
                          "ON d.id = a.doctor_id WHERE a.source = 'bot'").fetchall()
    assert rows == [("Dr. Miguel Alvarez", "Aisha Rahman", f"{friday.isoformat()}T17:00")]
    assert datetime.fromisoformat(rows[0][2]) > datetime.now()


async def test_no_personal_data_in_logs(domain, db_path, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    """Bookings, refills and intake notes log references only: never names, medications or symptoms."""
    caplog.set_level("DEBUG")
    wednesday = next_weekday(2).isoformat()
    await run(domain, "action_book_appointment", {"doctor": "any", "specialty": "Dermatology", "appointment_date": wednesday,
                                                  "appointment_time": "17:00", "patient_name": "Yusuf Demir"})
    await run(domain, "action_request_refill", {"patient_name": "Yusuf Demir", "medication": "cetirizine"})
    await run(domain, "action_record_intake", {"symptom": "itchy rash", "symptom_since": "for a week", "severity": 4})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RC-" in logged and "RX-" in logged and "IN-" in logged  # the references are logged...
    for private in ("Yusuf", "Demir", "cetirizine", "itchy rash"):  # ...and nothing about the patient
        assert private not in logged
