"""The clinic database: doctors, opening hours, the appointment book, prescriptions and requests.

Built on first use by ``data/build_db.py`` into the domain's model folder unless the
``MEDICAL_CLINIC_DB`` environment variable names another file; an existing database gets its
seeded calendar extended as weeks pass, so the demo never runs out of realistic bookings. One short ``sqlite3`` connection
per call, because actions run concurrently for different conversations. Patient names are
stored (a booking needs them) but never logged; conversations are linked by a hash of their id.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import ModuleType

from dialogue.components import import_domain_plugin

ENV_PATH = "MEDICAL_CLINIC_DB"
PACK_DIR = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = PACK_DIR / "data" / "build_db.py"
SLOT = timedelta(minutes=30)
#: how far ahead patients may book
MAX_DAYS_AHEAD = 90

log = logging.getLogger("dialogue.domains.medical")
_build_lock = threading.Lock()


class SlotTaken(Exception):
    """Someone else booked the slot between the check and the write."""


@dataclass(frozen=True)
class Doctor:
    id: int
    name: str
    specialty: str
    days: tuple[int, ...]
    gender: str
    bio: str

    def works_on(self, day: date) -> bool:
        return day.weekday() in self.days


@dataclass(frozen=True)
class Appointment:
    ref: str
    doctor: Doctor
    patient_name: str
    starts_at: datetime
    status: str


@dataclass(frozen=True)
class Prescription:
    id: int
    patient_name: str
    medication: str
    prescriber: str
    refills_left: int
    controlled: bool


def build_module() -> ModuleType:
    """``data/build_db.py`` as a module (a script outside the plugins package), imported once by the framework."""
    return import_domain_plugin(PACK_DIR, BUILD_SCRIPT)


def conversation_key(conversation_id: str) -> str:
    """A stable, non-reversible link from a booking to the conversation that made it."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:16]


def default_path(model_dir: Path) -> Path:
    return Path(os.environ.get(ENV_PATH) or model_dir / "clinic.sqlite3")


class Clinic:
    """Queries and the few writes the bot makes; every method opens its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with _build_lock:
            if not path.exists():
                build_module().build(path)
                log.info("built the clinic database at %s", path)
            elif build_module().extend(path):
                log.info("extended the seeded calendar of %s", path)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=5)
        db.row_factory = sqlite3.Row
        try:
            yield db
            db.commit()
        finally:
            db.close()

    # ------------------------------------------------------------------ reference data

    def doctors(self, specialty: str | None = None) -> list[Doctor]:
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM doctors WHERE ? IS NULL OR specialty = ? ORDER BY id", (specialty, specialty)
            ).fetchall()
        return [_doctor(r) for r in rows]

    def doctor(self, name: str) -> Doctor | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM doctors WHERE lower(name) = lower(?)", (name.strip(),)).fetchone()
        return _doctor(row) if row else None

    def specialties(self) -> list[str]:
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT specialty FROM doctors GROUP BY specialty ORDER BY MIN(id)")]

    def hours(self) -> dict[int, tuple[time, time]]:
        """Weekday (0 = Monday) → (opens, closes); a missing weekday is closed."""
        with self._db() as db:
            rows = db.execute("SELECT weekday, opens, closes FROM clinic_hours").fetchall()
        return {r["weekday"]: (time.fromisoformat(r["opens"]), time.fromisoformat(r["closes"])) for r in rows}

    def hours_on(self, day: date) -> tuple[time, time] | None:
        return self.hours().get(day.weekday())

    def slot_starts(self, day: date) -> list[time]:
        hours = self.hours_on(day)
        if hours is None:
            return []
        start, end = (datetime.combine(day, t) for t in hours)
        starts = []
        while start + SLOT <= end:
            starts.append(start.time())
            start += SLOT
        return starts

    # ------------------------------------------------------------------ availability

    def taken(self, doctor_ids: list[int], day: date) -> set[tuple[int, str]]:
        with self._db() as db:
            rows = db.execute(
                f"SELECT doctor_id, starts_at FROM appointments WHERE status = 'booked' AND starts_at LIKE ? "
                f"AND doctor_id IN ({','.join('?' * len(doctor_ids))})",
                (f"{day.isoformat()}T%", *doctor_ids),
            ).fetchall()
        return {(r["doctor_id"], r["starts_at"]) for r in rows}

    def free_slots(self, doctors: list[Doctor], day: date, now: datetime) -> list[tuple[time, Doctor]]:
        """Free (start time, doctor) pairs on ``day`` after ``now``, earliest first; doctors in the given order."""
        working = [d for d in doctors if d.works_on(day)]
        if not working:
            return []
        taken = self.taken([d.id for d in working], day)
        free = []
        for start in self.slot_starts(day):
            moment = datetime.combine(day, start)
            if moment <= now:
                continue
            for doctor in working:
                if (doctor.id, moment.isoformat(timespec="minutes")) not in taken:
                    free.append((start, doctor))
        return free

    # ------------------------------------------------------------------ appointments

    def appointment(self, ref: str) -> Appointment | None:
        with self._db() as db:
            row = db.execute(
                "SELECT a.*, d.id AS d_id, d.name, d.specialty, d.days, d.gender, d.bio FROM appointments a "
                "JOIN doctors d ON d.id = a.doctor_id WHERE a.ref = ?",
                (ref,),
            ).fetchone()
        return _appointment(row) if row else None

    def appointments_of(self, conversation_id: str, now: datetime) -> list[Appointment]:
        """Upcoming appointments booked in this conversation."""
        with self._db() as db:
            rows = db.execute(
                "SELECT a.*, d.id AS d_id, d.name, d.specialty, d.days, d.gender, d.bio FROM appointments a "
                "JOIN doctors d ON d.id = a.doctor_id WHERE a.conversation = ? AND a.status = 'booked' "
                "AND a.starts_at > ? ORDER BY a.starts_at",
                (conversation_key(conversation_id), now.isoformat(timespec="minutes")),
            ).fetchall()
        return [_appointment(r) for r in rows]

    def book(self, doctor: Doctor, patient_name: str, starts_at: datetime, conversation_id: str) -> str:
        """Insert a booking and return its reference; raises ``SlotTaken`` if the slot went meanwhile."""
        stamp = datetime.now().isoformat(timespec="seconds")
        with self._db() as db:
            used = {r[0] for r in db.execute("SELECT ref FROM appointments")}
            ref = _new_ref(used)
            try:
                db.execute(
                    "INSERT INTO appointments (ref, doctor_id, patient_name, starts_at, status, source, conversation,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, 'booked', 'bot', ?, ?, ?)",
                    (ref, doctor.id, patient_name, starts_at.isoformat(timespec="minutes"),
                     conversation_key(conversation_id), stamp, stamp),
                )
            except sqlite3.IntegrityError as exc:
                raise SlotTaken(str(exc)) from exc
        log.info("booked appointment %s", ref)
        return ref

    def reschedule(self, ref: str, starts_at: datetime) -> None:
        stamp = datetime.now().isoformat(timespec="seconds")
        with self._db() as db:
            try:
                changed = db.execute(
                    "UPDATE appointments SET starts_at = ?, updated_at = ? WHERE ref = ? AND status = 'booked'",
                    (starts_at.isoformat(timespec="minutes"), stamp, ref),
                ).rowcount
            except sqlite3.IntegrityError as exc:
                raise SlotTaken(str(exc)) from exc
        if not changed:
            raise LookupError(f"no booked appointment {ref}")
        log.info("rescheduled appointment %s", ref)

    def cancel(self, ref: str) -> None:
        stamp = datetime.now().isoformat(timespec="seconds")
        with self._db() as db:
            changed = db.execute(
                "UPDATE appointments SET status = 'cancelled', updated_at = ? WHERE ref = ? AND status = 'booked'",
                (stamp, ref),
            ).rowcount
        if not changed:
            raise LookupError(f"no booked appointment {ref}")
        log.info("cancelled appointment %s", ref)

    # ------------------------------------------------------------------ intake and refills

    def record_intake(self, appointment_ref: str | None, symptom: str, since: str, severity: int,
                      conversation_id: str) -> str:
        stamp = datetime.now().isoformat(timespec="seconds")
        with self._db() as db:
            used = {r[0] for r in db.execute("SELECT ref FROM intake_notes")}
            ref = _new_ref(used, "IN")
            db.execute(
                "INSERT INTO intake_notes (ref, appointment_ref, symptom, since, severity, conversation, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ref, appointment_ref, symptom, since, severity, conversation_key(conversation_id), stamp),
            )
        log.info("recorded intake note %s", ref)
        return ref

    def medication(self, name: str) -> tuple[str, bool] | None:
        """(canonical name, controlled) of a known medication."""
        with self._db() as db:
            row = db.execute("SELECT name, controlled FROM medications WHERE lower(name) = lower(?)", (name.strip(),)).fetchone()
        return (row["name"], bool(row["controlled"])) if row else None

    def prescription(self, patient_name: str, medication: str) -> Prescription | None:
        with self._db() as db:
            row = db.execute(
                "SELECT p.id, p.patient_name, p.medication, d.name AS prescriber, p.refills_left, m.controlled "
                "FROM prescriptions p JOIN doctors d ON d.id = p.prescriber_id JOIN medications m ON m.name = p.medication "
                "WHERE lower(p.patient_name) = lower(?) AND lower(p.medication) = lower(?) AND p.active = 1",
                (patient_name.strip(), medication.strip()),
            ).fetchone()
        if row is None:
            return None
        return Prescription(row["id"], row["patient_name"], row["medication"], row["prescriber"],
                            row["refills_left"], bool(row["controlled"]))

    def request_refill(self, patient_name: str, medication: str, prescription: Prescription | None,
                       conversation_id: str) -> str:
        stamp = datetime.now().isoformat(timespec="seconds")
        status = "pending_review" if prescription else "needs_review"
        with self._db() as db:
            used = {r[0] for r in db.execute("SELECT ref FROM refill_requests")}
            ref = _new_ref(used, "RX")
            db.execute(
                "INSERT INTO refill_requests (ref, prescription_id, patient_name, medication, status, conversation, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ref, prescription.id if prescription else None, patient_name, medication, status,
                 conversation_key(conversation_id), stamp),
            )
        log.info("recorded refill request %s (%s)", ref, status)
        return ref


def _new_ref(used: set[str], prefix: str = "RC") -> str:
    rng = random.SystemRandom()
    while True:
        ref = f"{prefix}-{rng.randint(10000, 99999)}"
        if ref not in used:
            return ref


def _doctor(row: sqlite3.Row) -> Doctor:
    keys = row.keys()
    return Doctor(
        id=row["d_id"] if "d_id" in keys else row["id"],
        name=row["name"],
        specialty=row["specialty"],
        days=tuple(int(d) for d in row["days"].split(",")),
        gender=row["gender"],
        bio=row["bio"],
    )


def _appointment(row: sqlite3.Row) -> Appointment:
    return Appointment(
        ref=row["ref"],
        doctor=_doctor(row),
        patient_name=row["patient_name"],
        starts_at=datetime.fromisoformat(row["starts_at"]),
        status=row["status"],
    )
