"""Build the Riverside Family Clinic database: doctors, hours, a booked-up calendar, prescriptions.

Deterministic for a given seed and start day; ``extend`` keeps the calendar filled as weeks pass. The calendar repeats weekly (the same slots of each
doctor are taken every week), so "Dr. Patel next Tuesday at 4:30 pm" gets the same answer whichever
week the demo runs in. Slots from 16:00 on are kept free for same-week visits, as many clinics do.
All names are fictional.

    python domains/medical/data/build_db.py [--out PATH] [--seed N] [--weeks N]

The bot builds it on first use into the domain's model folder (``.dialogue/clinic.sqlite3``)
unless ``MEDICAL_CLINIC_DB`` names another file.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path

SLOT_MINUTES = 30
#: weekday (0 = Monday) -> (opens, closes); missing = closed
HOURS: dict[int, tuple[str, str]] = {
    0: ("08:00", "18:00"), 1: ("08:00", "18:00"), 2: ("08:00", "18:00"), 3: ("08:00", "18:00"),
    4: ("08:00", "18:00"), 5: ("09:00", "13:00"),
}
#: seeded bookings stop here: later slots stay free for same-week visits
SEED_UNTIL = time(16, 0)
#: the seeded calendar reaches this many days ahead (patients may book 90 days ahead)
HORIZON_DAYS = 98

DOCTORS: list[tuple[str, str, str, str, str]] = [
    # name, specialty, working days (Mon..Sat as 0..5), gender, short bio
    ("Dr. Anika Patel", "General Practice", "0,1,2,3,4", "female",
     "Family physician for 15 years; adult check-ups, chronic conditions and vaccinations."),
    ("Dr. James Okafor", "General Practice", "0,2,3,4,5", "male",
     "Family physician with an interest in sports injuries and men's health; sees Saturday patients."),
    ("Dr. Laura Chen", "Cardiology", "1,3", "female",
     "Cardiologist: heart rhythm, blood pressure and follow-up after hospital stays."),
    ("Dr. Miguel Alvarez", "Dermatology", "0,2,4", "male",
     "Dermatologist: skin checks, moles, acne and eczema."),
    ("Dr. Sarah Kim", "Pediatrics", "0,1,2,3,4", "female",
     "Pediatrician: newborns to teenagers, well-child visits and vaccinations."),
    ("Dr. Emily Rossi", "Pediatrics", "1,3,5", "female",
     "Pediatrician with a focus on asthma and allergies in children; Saturday mornings."),
    ("Dr. Thomas Becker", "Orthopedics", "0,1,3", "male",
     "Orthopedic specialist: knees, shoulders, back pain and sports injuries."),
    ("Dr. Grace Nakamura", "Women's Health", "0,2,4", "female",
     "Obstetrician-gynecologist: prenatal care, contraception and menopause."),
    ("Dr. Omar Haddad", "ENT", "1,2,4", "male",
     "Ear, nose and throat specialist: sinus problems, hearing and tonsils."),
]

MEDICATIONS: list[tuple[str, str, int]] = [
    # generic name, usual strength, controlled (cannot be refilled by message)
    ("lisinopril", "10 mg tablet", 0), ("metformin", "500 mg tablet", 0), ("atorvastatin", "20 mg tablet", 0),
    ("levothyroxine", "50 mcg tablet", 0), ("amlodipine", "5 mg tablet", 0), ("omeprazole", "20 mg capsule", 0),
    ("sertraline", "50 mg tablet", 0), ("albuterol", "90 mcg inhaler", 0), ("losartan", "50 mg tablet", 0),
    ("montelukast", "10 mg tablet", 0), ("escitalopram", "10 mg tablet", 0), ("metoprolol", "25 mg tablet", 0),
    ("cetirizine", "10 mg tablet", 0), ("oral contraceptive", "28-day pack", 0),
    ("oxycodone", "5 mg tablet", 1), ("alprazolam", "0.5 mg tablet", 1), ("amphetamine salts", "10 mg tablet", 1),
    ("hydrocodone", "5/325 mg tablet", 1),
]

#: fictional patients with prescriptions on file: name, medication, prescriber, refills left
PRESCRIPTIONS: list[tuple[str, str, str, int]] = [
    ("Maria Gonzalez", "lisinopril", "Dr. Anika Patel", 2),
    ("Maria Gonzalez", "atorvastatin", "Dr. Anika Patel", 0),
    ("Daniel Whitaker", "metformin", "Dr. James Okafor", 3),
    ("Daniel Whitaker", "losartan", "Dr. Laura Chen", 1),
    ("Aisha Rahman", "levothyroxine", "Dr. Anika Patel", 0),
    ("Kevin O'Brien", "albuterol", "Dr. Emily Rossi", 2),
    ("Kevin O'Brien", "montelukast", "Dr. Emily Rossi", 5),
    ("Linda Nguyen", "sertraline", "Dr. Anika Patel", 1),
    ("Linda Nguyen", "oral contraceptive", "Dr. Grace Nakamura", 4),
    ("Robert Fischer", "amlodipine", "Dr. Laura Chen", 2),
    ("Robert Fischer", "oxycodone", "Dr. Thomas Becker", 0),
    ("Priya Sharma", "omeprazole", "Dr. James Okafor", 1),
    ("Tom Eriksen", "cetirizine", "Dr. Omar Haddad", 2),
]

#: names used for the seeded calendar
PATIENTS = [
    "Maria Gonzalez", "Daniel Whitaker", "Aisha Rahman", "Kevin O'Brien", "Linda Nguyen", "Robert Fischer",
    "Priya Sharma", "Tom Eriksen", "Grace Mbeki", "Hannah Schultz", "Luis Moreno", "Chloe Martin",
    "Samuel Adeyemi", "Olivia Brooks", "Noah Park", "Emma Lindqvist", "Yusuf Demir", "Sofia Russo",
    "Ethan Walsh", "Mia Kowalski", "Lucas Dubois", "Ava Thompson", "Mateo Silva", "Isabella Rossi",
]

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE clinic_hours (weekday INTEGER PRIMARY KEY, opens TEXT NOT NULL, closes TEXT NOT NULL);
CREATE TABLE doctors (
    id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, specialty TEXT NOT NULL,
    days TEXT NOT NULL, gender TEXT NOT NULL, bio TEXT NOT NULL
);
CREATE TABLE appointments (
    id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, doctor_id INTEGER NOT NULL REFERENCES doctors(id),
    patient_name TEXT NOT NULL, starts_at TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'booked',
    source TEXT NOT NULL DEFAULT 'seed', conversation TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX one_booking_per_slot ON appointments(doctor_id, starts_at) WHERE status = 'booked';
CREATE INDEX appointments_by_conversation ON appointments(conversation);
CREATE TABLE medications (name TEXT PRIMARY KEY, strength TEXT NOT NULL, controlled INTEGER NOT NULL);
CREATE TABLE prescriptions (
    id INTEGER PRIMARY KEY, patient_name TEXT NOT NULL, medication TEXT NOT NULL REFERENCES medications(name),
    prescriber_id INTEGER NOT NULL REFERENCES doctors(id), refills_left INTEGER NOT NULL, active INTEGER NOT NULL
);
CREATE TABLE refill_requests (
    id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, prescription_id INTEGER REFERENCES prescriptions(id),
    patient_name TEXT NOT NULL, medication TEXT NOT NULL, status TEXT NOT NULL, conversation TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE intake_notes (
    id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, appointment_ref TEXT, symptom TEXT NOT NULL,
    since TEXT NOT NULL, severity INTEGER NOT NULL, conversation TEXT, created_at TEXT NOT NULL
);
"""

#: a few appointments with known references, for the README transcript and the tests
#: (reference, patient, doctor, days from the start day to the next working day, time)
DEMO_APPOINTMENTS = [
    ("RC-40213", "Maria Gonzalez", "Dr. Anika Patel", 3, "09:30"),
    ("RC-51877", "Daniel Whitaker", "Dr. Laura Chen", 5, "11:00"),
    ("RC-55102", "Aisha Rahman", "Dr. Miguel Alvarez", 7, "14:00"),
    ("RC-61240", "Kevin O'Brien", "Dr. Emily Rossi", 9, "10:00"),
]


def slot_times(opens: str, closes: str) -> list[time]:
    """Start times of the appointment slots of a day."""
    start = datetime.combine(date.min, time.fromisoformat(opens))
    end = datetime.combine(date.min, time.fromisoformat(closes))
    times = []
    while start + timedelta(minutes=SLOT_MINUTES) <= end:
        times.append(start.time())
        start += timedelta(minutes=SLOT_MINUTES)
    return times


def working_day_on_or_after(day: date, days: set[int]) -> date:
    while day.weekday() not in days:
        day += timedelta(days=1)
    return day


def build(path: Path, *, start: date | None = None, seed: int = 7, weeks: int = HORIZON_DAYS // 7) -> Path:
    """Write a fresh database at ``path`` (replacing any file there) and return the path."""
    start = start or date.today()
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(SCHEMA)
        stamp = datetime.combine(start, time(7, 0)).isoformat(timespec="seconds")
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("built_on", start.isoformat()), ("seed", str(seed)), ("slot_minutes", str(SLOT_MINUTES))])
        db.executemany("INSERT INTO clinic_hours VALUES (?, ?, ?)", [(d, o, c) for d, (o, c) in HOURS.items()])
        db.executemany("INSERT INTO doctors (name, specialty, days, gender, bio) VALUES (?, ?, ?, ?, ?)", DOCTORS)
        doctor_ids = {name: i + 1 for i, (name, *_rest) in enumerate(DOCTORS)}
        db.executemany("INSERT INTO medications VALUES (?, ?, ?)", MEDICATIONS)
        db.executemany(
            "INSERT INTO prescriptions (patient_name, medication, prescriber_id, refills_left, active) VALUES (?, ?, ?, ?, 1)",
            [(p, m, doctor_ids[d], n) for p, m, d, n in PRESCRIPTIONS],
        )
        refs: set[str] = set()
        taken: set[tuple[int, str]] = set()

        def add(ref: str, patient: str, doctor_id: int, starts: datetime) -> None:
            key = (doctor_id, starts.isoformat(timespec="minutes"))
            if key in taken:
                return
            taken.add(key)
            refs.add(ref)
            db.execute(
                "INSERT INTO appointments (ref, doctor_id, patient_name, starts_at, status, source, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'booked', 'seed', ?, ?)",
                (ref, doctor_id, patient, key[1], stamp, stamp),
            )

        for ref, patient, doctor, offset, at in DEMO_APPOINTMENTS:
            days = {int(d) for d in DOCTORS[doctor_ids[doctor] - 1][2].split(",")}
            day = working_day_on_or_after(start + timedelta(days=offset), days)
            add(ref, patient, doctor_ids[doctor], datetime.combine(day, time.fromisoformat(at)))

        _seed_calendar(db, start, start + timedelta(weeks=weeks), seed, rng, refs, taken)
        db.commit()
    finally:
        db.close()
    tmp.replace(path)
    return path


def _seed_calendar(db: sqlite3.Connection, first_day: date, end_day: date, seed: int, rng: random.Random,
                   refs: set[str], taken: set[tuple[int, str]]) -> None:
    """Book the weekly pattern from ``first_day`` up to (not including) ``end_day``: each doctor has
    the same slots taken every week."""
    stamp = datetime.combine(first_day, time(7, 0)).isoformat(timespec="seconds")
    rows = []
    for doctor_id, (name, _specialty, days_text, _gender, _bio) in enumerate(DOCTORS, start=1):
        for weekday in sorted(int(d) for d in days_text.split(",")):
            opens, closes = HOURS[weekday]
            pattern = random.Random(f"{seed}:{name}:{weekday}")
            busy = [t for t in slot_times(opens, closes) if t < SEED_UNTIL and pattern.random() < 0.55]
            day = first_day + timedelta(days=(weekday - first_day.weekday()) % 7)
            while day < end_day:
                for at in busy:
                    key = (doctor_id, datetime.combine(day, at).isoformat(timespec="minutes"))
                    if key in taken:
                        continue
                    taken.add(key)
                    ref = _new_ref(rng, refs)
                    refs.add(ref)
                    rows.append((ref, doctor_id, rng.choice(PATIENTS), key[1], stamp, stamp))
                day += timedelta(weeks=1)
    db.executemany(
        "INSERT INTO appointments (ref, doctor_id, patient_name, starts_at, status, source, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'booked', 'seed', ?, ?)",
        rows,
    )
    db.execute("INSERT OR REPLACE INTO meta VALUES ('seeded_until', ?)", (end_day.isoformat(),))


def extend(path: Path, today: date | None = None, ahead: int = HORIZON_DAYS) -> bool:
    """Keep the seeded calendar ``ahead`` days ahead of today, so an old database never runs dry.

    Returns True when weeks were added. Bookings made by the bot are left as they are.
    """
    today = today or date.today()
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'seeded_until'").fetchone()
        until = date.fromisoformat(row[0]) if row else today
        end = today + timedelta(days=ahead)
        if until >= end:
            return False
        seed = int(db.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()[0])
        refs = {r[0] for r in db.execute("SELECT ref FROM appointments")}
        taken = {(r[0], r[1]) for r in db.execute("SELECT doctor_id, starts_at FROM appointments WHERE status = 'booked'")}
        _seed_calendar(db, max(until, today), end, seed, random.Random(f"{seed}:{until}"), refs, taken)
    return True


def _new_ref(rng: random.Random, used: set[str]) -> str:
    while True:
        ref = f"RC-{rng.randint(10000, 99999)}"
        if ref not in used:
            return ref


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / ".dialogue" / "clinic.sqlite3")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=HORIZON_DAYS // 7)
    args = parser.parse_args(argv)
    path = build(args.out, seed=args.seed, weeks=args.weeks)
    with sqlite3.connect(path) as db:
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed table names
                  for t in ("doctors", "appointments", "prescriptions")}
    print(f"wrote {path}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


if __name__ == "__main__":
    main()
