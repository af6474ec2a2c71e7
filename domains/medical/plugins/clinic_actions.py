"""The medical pack's actions: write bookings, intake notes and refill requests, and answer from the data.

Every write happens after the form's confirmation; every answer comes from the clinic
database (``plugins/clinic/store.py``), never from a language model. Logs carry references
only, never names or symptoms.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dialogue.actions import ActionContext, action

from .clinic import dates, desk, store

#: slots that describe one booking in progress
BOOKING_SLOTS = ("appointment_date", "appointment_time", "appointment_day", "appointment_when")


def _now() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


def _clinic(ctx: ActionContext) -> store.Clinic:
    return desk.clinic_for(ctx.domain.model_dir)


# ---------------------------------------------------------------------- before the forms


def _forget_booking_slots(ctx: ActionContext) -> set[str]:
    """Clear the booking slots, keeping a date or time this very message gives; returns its entity types."""
    types = {e.type for e in ctx.entities}
    for slot in BOOKING_SLOTS:
        if slot == "appointment_date" and "date" in types or slot == "appointment_time" and "time" in types:
            continue
        ctx.set_slot(slot, None)
    return types


@action("action_prepare_booking")
async def prepare_booking(ctx: ActionContext) -> None:
    """A new booking starts clean: a day or time mentioned earlier for something else is forgotten."""
    types = _forget_booking_slots(ctx)
    if "doctor" not in types and "specialty" in types:
        ctx.set_slot("doctor", "any")


@action("action_prepare_change")
async def prepare_change(ctx: ActionContext) -> None:
    """Rescheduling or cancelling: use the appointment booked in this conversation unless another is named."""
    types = _forget_booking_slots(ctx)
    if "appointment_ref" not in types and not ctx.slot("appointment_ref") and ctx.slot("booked_ref"):
        ctx.set_slot("appointment_ref", ctx.slot("booked_ref"))


# ---------------------------------------------------------------------- appointments


@action("action_book_appointment")
async def book_appointment(ctx: ActionContext) -> None:
    clinic = _clinic(ctx)
    now = _now()
    moment = datetime.combine(date.fromisoformat(ctx.slot("appointment_date")),
                              datetime.strptime(ctx.slot("appointment_time"), "%H:%M").time())
    when = dates.describe(moment)
    doctors = desk.candidates(clinic, ctx.slot("doctor"), ctx.slot("specialty"))
    doctor = desk.first_free_doctor(clinic, doctors, moment, now)
    if doctor is None:
        ctx.respond("utter_slot_taken", booked_when=when)
        return
    try:
        ref = clinic.book(doctor, ctx.slot("patient_name"), moment, ctx.conversation_id)
    except store.SlotTaken:
        ctx.respond("utter_slot_taken", booked_when=when)
        return
    ctx.set_slot("booked_ref", ref)
    ctx.respond("utter_booked", booked_doctor=doctor.name, booked_when=when, booked_ref=ref)


@action("action_reschedule_appointment")
async def reschedule_appointment(ctx: ActionContext) -> None:
    clinic = _clinic(ctx)
    ref = ctx.slot("appointment_ref")
    appointment = clinic.appointment(ref)
    moment = datetime.combine(date.fromisoformat(ctx.slot("appointment_date")),
                              datetime.strptime(ctx.slot("appointment_time"), "%H:%M").time())
    when = dates.describe(moment)
    if appointment is None or appointment.status != "booked":
        ctx.respond("utter_problem", problem=f"Appointment {ref} is no longer booked, so I couldn't move it.")
        return
    try:
        clinic.reschedule(ref, moment)
    except store.SlotTaken:
        ctx.respond("utter_slot_taken", booked_when=when)
        return
    ctx.respond("utter_rescheduled", booked_doctor=appointment.doctor.name, booked_when=when)
    for slot in ("doctor", "specialty", "current_appointment", *BOOKING_SLOTS):
        ctx.set_slot(slot, "any" if slot == "doctor" else None)


@action("action_cancel_appointment")
async def cancel_appointment(ctx: ActionContext) -> None:
    clinic = _clinic(ctx)
    ref = ctx.slot("appointment_ref")
    appointment = clinic.appointment(ref)
    if appointment is None or appointment.status != "booked":
        ctx.respond("utter_problem", problem=f"Appointment {ref} is already cancelled.")
        return
    clinic.cancel(ref)
    late = appointment.starts_at - _now() < timedelta(hours=24)
    ctx.respond("utter_cancelled_appointment", late=late)
    if ctx.slot("booked_ref") == ref:
        ctx.set_slot("booked_ref", None)
    for slot in ("doctor", "specialty", "current_appointment"):
        ctx.set_slot(slot, "any" if slot == "doctor" else None)


@action("action_list_appointments")
async def list_appointments(ctx: ActionContext) -> None:
    clinic = _clinic(ctx)
    now = _now()
    ref = desk.normalise_ref(str(ctx.entity("appointment_ref") or ""))
    if ref is not None:
        found = clinic.appointment(ref)
        upcoming = [found] if found and found.status == "booked" and found.starts_at > now else []
        if not upcoming:
            ctx.respond("utter_problem", problem=f"I can't find an upcoming appointment {ref}. "
                                                 "Could you check the reference, or call (555) 010-4400?")
            return
    else:
        upcoming = clinic.appointments_of(ctx.conversation_id, now)
        if not upcoming:
            ctx.respond("utter_ask_reference_for_lookup")
            return
    lines = [f"- {a.ref}: {a.doctor.specialty} with {a.doctor.name} on {dates.describe(a.starts_at)}" for a in upcoming]
    heading = "Here's your upcoming appointment:" if len(lines) == 1 else f"You have {len(lines)} upcoming appointments:"
    ctx.respond("utter_appointments", listing="\n".join([heading, *lines]))


# ---------------------------------------------------------------------- intake and refills


@action("action_record_intake")
async def record_intake(ctx: ActionContext) -> None:
    severity = int(ctx.slot("severity"))
    booked = ctx.slot("booked_ref")
    note = _clinic(ctx).record_intake(booked, ctx.slot("symptom"), ctx.slot("symptom_since"), severity,
                                      ctx.conversation_id)
    ctx.respond("utter_intake_saved", note_ref=note, high=severity >= 8)


@action("action_request_refill")
async def request_refill(ctx: ActionContext) -> None:
    clinic = _clinic(ctx)
    patient, medication = ctx.slot("patient_name"), ctx.slot("medication")
    known = clinic.medication(medication)
    if known and known[1]:
        ctx.respond("utter_refill_needs_visit", medication=known[0])
        return
    prescription = clinic.prescription(patient, medication)
    ref = clinic.request_refill(patient, medication, prescription, ctx.conversation_id)
    if prescription is None:
        ctx.respond("utter_refill_not_on_file", refill_ref=ref)
        return
    ctx.respond("utter_refill_sent", refill_ref=ref, prescriber=prescription.prescriber,
                refills_left=prescription.refills_left)


# ---------------------------------------------------------------------- clinic information


@action("action_clinic_hours")
async def clinic_hours(ctx: ActionContext) -> None:
    clinic = _clinic(ctx)
    now = _now()
    hours = clinic.hours()
    asked = ctx.entity("date")
    if asked:
        try:
            day = dates.parse_day(str(asked), now.date())
        except dates.DateProblem:
            day = None
        if day is not None:
            today_hours = hours.get(day.weekday())
            name = "today" if day == now.date() else f"on {dates.describe_day(day)}"
            if today_hours is None:
                text = f"We're closed {name}. " + _weekly(hours)
            else:
                text = f"{name[0].upper()}{name[1:]} we're open {_span(today_hours)}."
            ctx.respond("utter_hours", hours_text=text)
            return
    current = hours.get(now.weekday())
    if current and current[0] <= now.time() < current[1]:
        status = f"We're open now, until {dates.describe_time(current[1])}."
    else:
        status = "We're closed right now."
    ctx.respond("utter_hours", hours_text=f"{_weekly(hours)} {status}")


def _span(hours: tuple) -> str:  # type: ignore[type-arg]
    return f"{dates.describe_time(hours[0])} to {dates.describe_time(hours[1])}"


def _weekly(hours: dict) -> str:  # type: ignore[type-arg]
    """'Monday to Friday 8:00 AM to 6:00 PM, Saturday 9:00 AM to 1:00 PM; closed on Sundays and public holidays.'"""
    names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    groups: list[tuple[int, int, tuple]] = []  # type: ignore[type-arg]
    for day in range(7):
        if day not in hours:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours[day]:
            groups[-1] = (groups[-1][0], day, hours[day])
        else:
            groups.append((day, day, hours[day]))
    parts = [(names[a] if a == b else f"{names[a]} to {names[b]}") + " " + _span(h) for a, b, h in groups]
    closed = [names[d] + "s" for d in range(7) if d not in hours]
    return f"We're open {', '.join(parts)}; closed on {desk.join_words(closed + ['public holidays'])}."


@action("action_list_doctors")
async def list_doctors(ctx: ActionContext) -> None:
    clinic = _clinic(ctx)
    named = ctx.entity("doctor")
    if named:
        doctor = clinic.doctor(str(named))
        if doctor is not None:
            ctx.respond("utter_doctors", doctors_text=f"{doctor.name} ({doctor.specialty}) sees patients on "
                                                      f"{desk.working_days(doctor)}. {doctor.bio}")
            return
    specialty = ctx.entity("specialty")
    doctors = clinic.doctors(str(specialty) if specialty else None)
    if specialty and not doctors:
        ctx.respond("utter_doctors", doctors_text=f"We don't have {specialty} at this clinic.")
        return
    by_specialty: dict[str, list[str]] = {}
    for doctor in doctors:
        by_specialty.setdefault(doctor.specialty, []).append(f"{doctor.name} ({desk.working_days(doctor)})")
    lines = [f"- {s}: {'; '.join(names)}" for s, names in by_specialty.items()]
    heading = f"Our {specialty} doctors:" if specialty else "Our doctors:"
    ctx.respond("utter_doctors", doctors_text="\n".join([heading, *lines]))
