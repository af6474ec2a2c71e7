"""Validation actions of the medical pack's forms: normalise each answer or say what is wrong.

A validation action receives the candidate value in ``ctx.slots[slot]``; it sets the slot to
the normalised value to accept it, or to ``None`` to reject it, saying why with
``utter_problem``. It may set other slots too (a doctor implies a specialty; a new day may
invalidate the chosen time).
"""

from __future__ import annotations

import re
from datetime import datetime

from dialogue.actions import ActionContext, action

from .clinic import dates, desk, store

NAME_PREFIX = re.compile(
    r"^\s*(?:(?:hi|hello|hey|ok|okay|sure|yes|yeah)[,!.]?\s+)?(?:it'?s|its|my name is|my name's|name is|name's|i am|i'm|im|"
    r"this is|the patient is|patient is|patient's name is|for|under|call me)\s+",
    re.IGNORECASE,
)
#: words that show an answer is not a name ("I don't know", "next Tuesday")
NOT_A_NAME = {
    "the", "a", "an", "my", "i", "you", "know", "don't", "dont", "not", "no", "yes", "please", "doctor", "dr",
    "appointment", "tomorrow", "today", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "next", "am", "pm", "what", "why", "help", "book", "cancel",
}


def _reject(ctx: ActionContext, slot: str, problem: str) -> None:
    ctx.set_slot(slot, None)
    ctx.respond("utter_problem", problem=problem)


def _now() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


def _clinic(ctx: ActionContext) -> store.Clinic:
    return desk.clinic_for(ctx.domain.model_dir)


# ---------------------------------------------------------------------- booking


@action("validate_doctor")
async def validate_doctor(ctx: ActionContext) -> None:
    value = str(ctx.slots.get("doctor") or "any").strip()
    if value.lower() in ("any", "anyone", "any doctor", "first available", "no preference"):
        ctx.set_slot("doctor", "any")
        return
    clinic = _clinic(ctx)
    doctor = clinic.doctor(value)
    if doctor is None:
        names = desk.join_words([d.name for d in clinic.doctors()])
        _reject(ctx, "doctor", f"We don't have a doctor called {value}. Our doctors are {names}.")
        ctx.set_slot("doctor", "any")
        return
    ctx.set_slot("doctor", doctor.name)
    ctx.set_slot("specialty", doctor.specialty)
    _drop_day_if_unworkable(ctx, [doctor], doctor.specialty)


@action("validate_specialty")
async def validate_specialty(ctx: ActionContext) -> None:
    specialty = ctx.slots.get("specialty")
    clinic = _clinic(ctx)
    known = clinic.specialties()
    match = next((s for s in known if s.lower() == str(specialty).strip().lower()), None)
    if match is None:
        _reject(ctx, "specialty", f"We don't have {specialty} here. Our departments are {desk.join_words(known)}.")
        return
    ctx.set_slot("specialty", match)
    doctor_name = ctx.slots.get("doctor")
    if doctor_name and doctor_name != "any":
        doctor = clinic.doctor(doctor_name)
        if doctor is None or doctor.specialty != match:
            ctx.set_slot("doctor", "any")  # the patient changed department: any doctor of it
    _drop_day_if_unworkable(ctx, desk.candidates(clinic, ctx.slot("doctor"), match), match)


def _drop_day_if_unworkable(ctx: ActionContext, doctors: list, specialty: str | None) -> None:
    """After a change of doctor or department, a chosen day nobody can do is asked again."""
    day_text = ctx.slots.get("appointment_date")
    if not day_text:
        return
    try:
        day = dates.parse_day(str(day_text), _now().date())
        desk.check_day(_clinic(ctx), day, doctors, specialty, _now())
    except dates.DateProblem as problem:
        for slot in ("appointment_date", "appointment_time", "appointment_day", "appointment_when"):
            ctx.set_slot(slot, None)
        ctx.respond("utter_problem", problem=str(problem))


@action("validate_date")
async def validate_date(ctx: ActionContext) -> None:
    now = _now()
    clinic = _clinic(ctx)
    specialty = ctx.slots.get("specialty")
    doctors = desk.candidates(clinic, ctx.slots.get("doctor"), specialty)
    try:
        day = dates.parse_day(str(ctx.slots.get("appointment_date")), now.date())
        desk.check_day(clinic, day, doctors, specialty, now)
    except dates.DateProblem as problem:
        _reject(ctx, "appointment_date", str(problem))
        return
    ctx.set_slot("appointment_date", day.isoformat())
    ctx.set_slot("appointment_day", dates.describe_day(day))
    chosen = ctx.slots.get("appointment_time")
    if chosen:  # a time given earlier must still fit the new day
        try:
            at, _ = desk.choose_time(clinic, day, dates.parse_time(str(chosen)), doctors, specialty, now)
            ctx.set_slot("appointment_time", at.strftime("%H:%M"))
            ctx.set_slot("appointment_when", dates.describe(datetime.combine(day, at)))
        except dates.DateProblem as problem:
            ctx.set_slot("appointment_time", None)
            ctx.set_slot("appointment_when", None)
            ctx.respond("utter_problem", problem=str(problem))


@action("validate_time")
async def validate_time(ctx: ActionContext) -> None:
    now = _now()
    clinic = _clinic(ctx)
    try:
        choice = dates.parse_time(str(ctx.slots.get("appointment_time")))
    except dates.DateProblem as problem:
        _reject(ctx, "appointment_time", str(problem))
        return
    day_text = ctx.slots.get("appointment_date")
    if not day_text:
        if choice.exact is None:
            _reject(ctx, "appointment_time", f"Which day would you like? Then I'll find a time in the {choice.label}.")
            return
        ctx.set_slot("appointment_time", choice.exact.strftime("%H:%M"))  # checked again once the day is known
        return
    day = dates.parse_day(str(day_text), now.date())
    specialty = ctx.slots.get("specialty")
    doctors = desk.candidates(clinic, ctx.slots.get("doctor"), specialty)
    try:
        at, _doctor = desk.choose_time(clinic, day, choice, doctors, specialty, now)
    except dates.DateProblem as problem:
        _reject(ctx, "appointment_time", str(problem))
        return
    ctx.set_slot("appointment_time", at.strftime("%H:%M"))
    ctx.set_slot("appointment_when", dates.describe(datetime.combine(day, at)))


@action("validate_patient_name")
async def validate_patient_name(ctx: ActionContext) -> None:
    raw = str(ctx.slots.get("patient_name") or "")
    name = NAME_PREFIX.sub("", raw).strip().strip(".!,")
    words = name.split()
    letters = re.fullmatch(r"[A-Za-zÀ-ÖØ-öø-ÿ'’.\- ]+", name)
    if not letters or len(words) < 2 or len(words) > 4 or {w.lower() for w in words} & NOT_A_NAME:
        _reject(ctx, "patient_name", "I need the patient's first and last name, for example \"Maria Gonzalez\".")
        return
    ctx.set_slot("patient_name", " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in words))


@action("validate_appointment_ref")
async def validate_appointment_ref(ctx: ActionContext) -> None:
    ref = desk.normalise_ref(str(ctx.slots.get("appointment_ref") or ""))
    if ref is None:
        _reject(ctx, "appointment_ref", "Booking references look like RC-48213. What's yours? "
                                        "If you can't find it, call the front desk on (555) 010-4400.")
        return
    appointment = _clinic(ctx).appointment(ref)
    if appointment is None or appointment.status != "booked" or appointment.starts_at <= _now():
        _reject(ctx, "appointment_ref", f"I can't find an upcoming appointment {ref}. Could you check the reference?")
        return
    ctx.set_slot("appointment_ref", ref)
    ctx.set_slot("current_appointment",
                 f"with {appointment.doctor.name} on {dates.describe(appointment.starts_at)}")
    ctx.set_slot("doctor", appointment.doctor.name)
    ctx.set_slot("specialty", appointment.doctor.specialty)


# ---------------------------------------------------------------------- symptom intake


@action("validate_symptom")
async def validate_symptom(ctx: ActionContext) -> None:
    value = str(ctx.slots.get("symptom") or "").strip()
    found = ctx.entity("symptom")
    if found:
        ctx.set_slot("symptom", str(found))
        return
    words = re.sub(r"^(?:i have|i've got|i have got|i've had|it's|its|my|a|an)\s+", "", value, flags=re.IGNORECASE).strip(" .!")
    if len(words) < 3 or not re.search(r"[a-zA-Z]{3}", words):
        _reject(ctx, "symptom", "Could you tell me the main symptom in a few words, for example \"sore throat\"?")
        return
    ctx.set_slot("symptom", words[:120])


@action("validate_since")
async def validate_since(ctx: ActionContext) -> None:
    value = str(ctx.slots.get("symptom_since") or "").strip().strip(".!")
    found = ctx.entity("since")
    if found:
        ctx.set_slot("symptom_since", str(found))
        return
    known = re.search(r"\b(yesterday|today|last (night|week|month)|this (morning|week)|monday|tuesday|wednesday|thursday|"
                      r"friday|saturday|sunday|\d+|one|two|three|four|five|six|seven|few|couple|several|"
                      r"days?|weeks?|months?|years?|hours?|ages|always|a while)\b", value, re.IGNORECASE)
    if not known:
        _reject(ctx, "symptom_since", "Since when, roughly? For example \"since Monday\" or \"for three days\".")
        return
    ctx.set_slot("symptom_since", value[:80])


WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10}


@action("validate_severity")
async def validate_severity(ctx: ActionContext) -> None:
    value = str(ctx.slots.get("severity") or "").lower()
    match = re.search(r"\b(10|[0-9]|one|two|three|four|five|six|seven|eight|nine|ten)\b", value)
    if not match or re.search(r"\b\d{2,}\b", value.replace("10", "")):
        _reject(ctx, "severity", "Please give me a number from 1 to 10, where 1 is mild and 10 is the worst.")
        return
    number = int(match.group(1)) if match.group(1).isdigit() else WORD_NUMBERS[match.group(1)]
    if not 1 <= number <= 10:
        _reject(ctx, "severity", "Please give me a number from 1 to 10, where 1 is mild and 10 is the worst.")
        return
    ctx.set_slot("severity", number)


# ---------------------------------------------------------------------- refills


@action("validate_medication")
async def validate_medication(ctx: ActionContext) -> None:
    value = str(ctx.entity("medication") or ctx.slots.get("medication") or "").strip().strip(".!")
    clinic = _clinic(ctx)
    known = clinic.medication(value)
    if known is None:
        if len(value) < 3 or not re.search(r"[a-zA-Z]{3}", value) or len(value) > 60:
            _reject(ctx, "medication", "Which medication is it? The name on the label is perfect, for example \"lisinopril\".")
            return
        ctx.set_slot("medication", value)  # not in our list: the care team will check it
        return
    name, controlled = known
    if controlled:  # not by message: the form ends unless another medication comes next
        ctx.refuse("medication", "utter_refill_needs_visit", medication=name)
        return
    ctx.set_slot("medication", name)
