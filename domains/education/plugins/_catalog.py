"""Data access for the education pack: the course catalog, enrolments, coursework and quiz bank.

Plain synchronous sqlite3, no dialogue imports, so it can be tested and reused on its own.
The shipped database (``data/education.db``, built by ``data/build_db.py``) stays pristine:
the bot writes to a working copy in the domain's model folder, made on first use.
Seeded dates are stored relative to ``meta.built_on`` and moved to today on read.
"""

from __future__ import annotations

import difflib
import os
import re
import runpy
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import snowballstemmer

#: overrides where the working database lives (tests, deployments with a shared DB)
DB_ENV = "DIALOGUE_EDUCATION_DB"
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "education.db"

COURSE_CODE = re.compile(r"^\s*([A-Za-z]{2,4})[\s-]?(\d{3})\s*$")
STUDENT_ID = re.compile(r"^\s*[Ss](\d{5})\s*$")
LETTERS = ("A", "B", "C", "D")
_LETTER_ANSWER = re.compile(
    r"^\s*(?:(?:option|answer|choice|letter)\s+|(?:it'?s|it is|i think(?: it'?s)?|i'd say|i guess|maybe|is it"
    r"|(?:the|my) answer is)\s+)?"
    r"\(?([a-d])\)?\s*[.!?)]?\s*$",
    re.IGNORECASE,
)


class EnrolmentError(Exception):
    """A request the catalog refuses; ``code`` names the reason, ``details`` fill the reply."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    subject: str
    level: str
    mode: str
    schedule: str
    days: str
    start_time: str
    end_time: str
    instructor: str
    credits: int
    capacity: int
    starts_on: date
    weeks: int
    description: str
    enrolled: int = 0
    prerequisites: tuple[str, ...] = ()

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.enrolled)

    @property
    def when(self) -> str:
        return f"{self.days} {self.start_time}-{self.end_time}"

    @property
    def meeting_days(self) -> set[str]:
        return {d.strip() for d in self.days.split("&")}

    def clashes_with(self, other: Course) -> bool:
        """Same day and overlapping hours (both courses running in the same term)."""
        if not self.meeting_days & other.meeting_days:
            return False
        return self.start_time < other.end_time and other.start_time < self.end_time

    def summary(self) -> dict[str, Any]:
        """Values for response templates."""
        return {
            "code": self.code, "title": self.title, "subject": self.subject, "level": self.level, "mode": self.mode,
            "when": self.when, "instructor": self.instructor, "credits": self.credits, "seats_left": self.seats_left,
            "starts_on": human_date(self.starts_on), "started": self.starts_on <= date.today(), "weeks": self.weeks,
            "description": self.description,
            "prerequisites": ", ".join(self.prerequisites) or "none",
        }


@dataclass(frozen=True)
class Question:
    id: int
    course_code: str
    topic: str
    text: str
    choices: tuple[str, str, str, str]
    answer: str  # letter
    accepted: tuple[str, ...]
    hint: str
    explanation: str

    @property
    def answer_text(self) -> str:
        return self.choices[LETTERS.index(self.answer)]

    def as_text(self) -> str:
        return self.text + "\n" + "\n".join(f"{letter}) {choice}" for letter, choice in zip(LETTERS, self.choices))

    def interpret(self, reply: str) -> str | None:
        """The letter a free-text reply stands for, or None if it names no choice."""
        text = reply.strip()
        match = _LETTER_ANSWER.match(text)
        if match:
            return match.group(1).upper()
        said = _plain(re.sub(r"^(?:it'?s|it is|i think(?: it'?s)?|(?:the|my) answer is|answer:?|is it|maybe)\s+", "", text, flags=re.I))
        if not said:
            return None
        for letter, choice in zip(LETTERS, self.choices):
            if said == _plain(choice):
                return letter
        if any(said == _plain(a) for a in self.accepted):
            return self.answer
        if len(said) < 4:  # too short to guess at typos ("3" is not "5")
            return None
        options = {_plain(c): letter for letter, c in zip(LETTERS, self.choices)}
        options.update({_plain(a): self.answer for a in self.accepted})
        close = difflib.get_close_matches(said, list(options), n=1, cutoff=0.75)
        return options[close[0]] if close else None


stem = snowballstemmer.stemmer("english").stemWord


def stems(text: str) -> set[str]:
    """The stems of a text's words, so "courses on neural network" finds "neural networks"."""
    return {stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())}


def _plain(text: str) -> str:
    return re.sub(r"[^\w^²/.+-]+", " ", text.lower()).strip(" .")


def normalise_code(text: str | None) -> str | None:
    """'cs 101', 'CS-101' → 'CS101'; None if it does not look like a course code."""
    if not text:
        return None
    match = COURSE_CODE.match(str(text))
    return f"{match.group(1).upper()}{match.group(2)}" if match else None


def normalise_student_id(text: str | None) -> str | None:
    match = STUDENT_ID.match(str(text or ""))
    return f"S{match.group(1)}" if match else None


def human_date(day: date, today: date | None = None) -> str:
    """'Fri 29 Nov' plus a relative part when it is close: 'tomorrow', 'in 3 days', '2 days ago'."""
    today = today or date.today()
    label = f"{day:%a} {day.day} {day:%b}"
    delta = (day - today).days
    relative = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(delta)
    if relative is None and 0 < delta <= 14:
        relative = f"in {delta} days"
    elif relative is None and -14 <= delta < 0:
        relative = f"{-delta} days ago"
    return f"{label} ({relative})" if relative else label


class Catalog:
    """One working database; every method opens a short connection, so actions stay independent."""

    def __init__(self, path: Path, today: date | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"education database not found: {self.path}")
        self._today = today
        try:
            with self._connect() as db:
                built = db.execute("SELECT value FROM meta WHERE key = 'built_on'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path} is not an education database ({exc}); rebuild it with data/build_db.py") from exc
        if built is None:
            raise ValueError(f"{self.path} has no meta.built_on row; rebuild it with data/build_db.py")
        self.built_on = date.fromisoformat(built[0])

    @classmethod
    def for_domain(cls, model_dir: Path) -> Catalog:
        """The working copy for a domain: ``$DIALOGUE_EDUCATION_DB`` or ``<model_dir>/education.db``."""
        override = os.environ.get(DB_ENV)
        path = Path(override) if override else Path(model_dir) / "education.db"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            source = SHIPPED
            if not source.exists():  # a checkout without the generated file: build it
                runpy.run_path(str(SHIPPED.with_name("build_db.py")))["build"](source, date.today())
            shutil.copyfile(source, path)
        return cls(path)

    # ------------------------------------------------------------------ plumbing

    @property
    def today(self) -> date:
        return self._today or date.today()

    @property
    def shift(self) -> timedelta:
        return self.today - self.built_on

    def day(self, stored: str) -> date:
        """A stored date on today's timeline."""
        return date.fromisoformat(stored) + self.shift

    def stored(self, day: date) -> str:
        """Today's-timeline date → how it is stored."""
        return (day - self.shift).isoformat()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=5)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        try:
            yield db
            db.commit()
        finally:
            db.close()

    # ------------------------------------------------------------------ catalog

    def _course(self, db: sqlite3.Connection, row: sqlite3.Row) -> Course:
        enrolled = db.execute(
            "SELECT COUNT(*) FROM enrolments WHERE course_code = ? AND status = 'enrolled'", (row["code"],)
        ).fetchone()[0]
        prereqs = tuple(r[0] for r in db.execute(
            "SELECT requires_code FROM prerequisites WHERE course_code = ? ORDER BY requires_code", (row["code"],)))
        fields = dict(row)
        fields["starts_on"] = self.day(fields["starts_on"])
        return Course(**fields, enrolled=enrolled, prerequisites=prereqs)

    def course(self, code: str | None) -> Course | None:
        normal = normalise_code(code)
        if normal is None:
            return None
        with self._connect() as db:
            row = db.execute("SELECT * FROM courses WHERE code = ?", (normal,)).fetchone()
            return self._course(db, row) if row else None

    def search(self, subject: str | None = None, level: str | None = None, schedule: str | None = None,
               mode: str | None = None, limit: int = 5, topic: Sequence[str] = ()) -> list[Course]:
        """Courses matching every given filter, those starting soonest with free seats first.

        ``topic`` words ("machine", "learning") must all appear, in any inflection, in the course's
        title, subject or description; title matches come first."""
        clauses, params = [], []
        for column, value in (("subject", subject), ("level", level), ("schedule", schedule), ("mode", mode)):
            if value:
                clauses.append(f"lower({column}) = lower(?)")
                params.append(str(value))
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM courses{where} ORDER BY code", params).fetchall()  # noqa: S608 - fixed columns
            courses = [self._course(db, r) for r in rows]
        wanted = {stem(w) for w in topic}
        if wanted:
            courses = [c for c in courses if wanted <= stems(f"{c.title} {c.subject} {c.description}")]
        courses.sort(key=lambda c: (not wanted <= stems(c.title), c.seats_left == 0, c.level != "beginner", c.code))
        return courses[:limit] if limit else courses

    def topic_vocabulary(self) -> set[str]:
        """Stems of every word in course titles and subjects: the words that can name a topic."""
        return set().union(*(stems(f"{c.title} {c.subject}") for c in self.search(limit=0)))

    def subjects(self) -> list[str]:
        with self._connect() as db:
            return [r[0] for r in db.execute("SELECT DISTINCT subject FROM courses ORDER BY subject")]

    # ------------------------------------------------------------------ students and enrolment

    def student(self, student_id: str | None) -> dict[str, Any] | None:
        sid = normalise_student_id(student_id)
        if sid is None:
            return None
        with self._connect() as db:
            row = db.execute("SELECT * FROM students WHERE id = ?", (sid,)).fetchone()
        return dict(row) if row else None

    def enrolments(self, student_id: str, status: str = "enrolled") -> list[Course]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.* FROM enrolments e JOIN courses c ON c.code = e.course_code"
                " WHERE e.student_id = ? AND e.status = ? ORDER BY c.code", (student_id, status)).fetchall()
            return [self._course(db, r) for r in rows]

    def status(self, student_id: str, code: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT status FROM enrolments WHERE student_id = ? AND course_code = ?",
                             (student_id, code)).fetchone()
        return row[0] if row else None

    def eligibility(self, student_id: str, code: str) -> EnrolmentError | None:
        """Why this student cannot enrol in this course now, or None if they can."""
        course = self.course(code)
        if course is None:
            return EnrolmentError("unknown_course", f"There is no course {code}.", course_code=code)
        current = self.status(student_id, course.code)
        if current == "enrolled":
            return EnrolmentError("already_enrolled", f"already enrolled in {course.code}", course_code=course.code)
        if current == "completed":
            return EnrolmentError("already_completed", f"already completed {course.code}", course_code=course.code)
        completed = {c.code for c in self.enrolments(student_id, "completed")}
        missing = [p for p in course.prerequisites if p not in completed]
        if missing:
            return EnrolmentError("missing_prerequisites", f"{course.code} requires {', '.join(missing)}",
                                  course_code=course.code, missing=", ".join(missing))
        if course.seats_left == 0:
            return EnrolmentError("course_full", f"{course.code} is full", course_code=course.code)
        for other in self.enrolments(student_id):
            if other.clashes_with(course):
                return EnrolmentError("timetable_clash", f"{course.code} clashes with {other.code}",
                                      course_code=course.code, clash=other.code, clash_when=other.when)
        return None

    def enrol(self, student_id: str, code: str) -> Course:
        """Record an enrolment (or re-activate a dropped one); raises ``EnrolmentError`` if not allowed."""
        normal = normalise_code(code) or code
        problem = self.eligibility(student_id, normal)
        if problem is not None:
            raise problem
        with self._connect() as db:
            db.execute(
                "INSERT INTO enrolments (student_id, course_code, status, enrolled_on) VALUES (?, ?, 'enrolled', ?)"
                " ON CONFLICT (student_id, course_code) DO UPDATE SET status = 'enrolled',"
                " enrolled_on = excluded.enrolled_on, dropped_on = NULL",
                (student_id, normal, self.stored(self.today)),
            )
        course = self.course(normal)
        assert course is not None
        return course

    def drop(self, student_id: str, code: str) -> Course:
        normal = normalise_code(code) or code
        course = self.course(normal)
        if course is None:
            raise EnrolmentError("unknown_course", f"There is no course {code}.", course_code=code)
        if self.status(student_id, course.code) != "enrolled":
            raise EnrolmentError("not_enrolled", f"not enrolled in {course.code}", course_code=course.code)
        with self._connect() as db:
            db.execute("UPDATE enrolments SET status = 'dropped', dropped_on = ? WHERE student_id = ? AND course_code = ?",
                       (self.stored(self.today), student_id, course.code))
        return course

    # ------------------------------------------------------------------ coursework

    def deadlines(self, student_id: str, course: str | None = None, until: date | None = None,
                  include_overdue: bool = True) -> list[dict[str, Any]]:
        """Unsubmitted assignments of the student's current courses, soonest first."""
        params: list[Any] = [student_id, student_id]
        extra = ""
        if course:
            extra = " AND a.course_code = ?"
            params.append(normalise_code(course) or course)
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.*, c.title AS course_title FROM assignments a"
                " JOIN enrolments e ON e.course_code = a.course_code AND e.student_id = ? AND e.status = 'enrolled'"
                " JOIN courses c ON c.code = a.course_code"
                " WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.assignment_id = a.id AND s.student_id = ?)"
                " AND a.due_on >= e.enrolled_on"  # work set before a late enrolment is not owed
                + extra + " ORDER BY a.due_on, a.course_code", params).fetchall()
        found = []
        for row in rows:
            due = self.day(row["due_on"])
            overdue = due < self.today
            if (overdue and not include_overdue) or (until is not None and due > until):
                continue
            found.append({"course_code": row["course_code"], "course_title": row["course_title"], "title": row["title"],
                          "kind": row["kind"], "weight": row["weight"], "due": due, "due_text": human_date(due, self.today),
                          "overdue": overdue})
        return found

    def progress(self, student_id: str) -> dict[str, Any]:
        """Per current course: work done, average score, next deadline; plus completed courses and quizzes."""
        courses = []
        for course in self.enrolments(student_id):
            with self._connect() as db:
                rows = db.execute(
                    "SELECT a.id, a.due_on, s.score, s.submitted_on FROM assignments a"
                    " JOIN enrolments e ON e.course_code = a.course_code AND e.student_id = ?"
                    " LEFT JOIN submissions s ON s.assignment_id = a.id AND s.student_id = e.student_id"
                    " WHERE a.course_code = ? AND (a.due_on >= e.enrolled_on OR s.submitted_on IS NOT NULL)"
                    " ORDER BY a.due_on", (student_id, course.code)).fetchall()
            due_so_far = [r for r in rows if self.day(r["due_on"]) < self.today]
            submitted = [r for r in rows if r["submitted_on"] is not None]
            scores = [r["score"] for r in submitted if r["score"] is not None]
            missing = [r for r in due_so_far if r["submitted_on"] is None]
            courses.append({
                "code": course.code, "title": course.title, "submitted": len(submitted), "due_so_far": len(due_so_far),
                "total": len(rows), "average": round(sum(scores) / len(scores)) if scores else None,
                "missing": len(missing),
            })
        completed = []
        with self._connect() as db:
            for row in db.execute(
                "SELECT e.course_code, c.title, e.final_grade FROM enrolments e JOIN courses c ON c.code = e.course_code"
                " WHERE e.student_id = ? AND e.status = 'completed' ORDER BY e.course_code", (student_id,)):
                completed.append({"code": row[0], "title": row[1], "grade": row[2]})
            quiz = db.execute("SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM quiz_attempts WHERE student_id = ?",
                              (student_id,)).fetchone()
        averages = [c["average"] for c in courses if c["average"] is not None]
        return {"courses": courses, "completed": completed, "quiz_answered": quiz[0], "quiz_correct": quiz[1],
                "overall_average": round(sum(averages) / len(averages)) if averages else None}

    # ------------------------------------------------------------------ quiz and tips

    def _question(self, row: sqlite3.Row) -> Question:
        return Question(
            id=row["id"], course_code=row["course_code"], topic=row["topic"], text=row["question"],
            choices=(row["choice_a"], row["choice_b"], row["choice_c"], row["choice_d"]), answer=row["answer"],
            accepted=tuple(a for a in row["accepted"].split("|") if a), hint=row["hint"], explanation=row["explanation"],
        )

    def question(self, question_id: int | str | None) -> Question | None:
        try:
            number = int(question_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        with self._connect() as db:
            row = db.execute("SELECT * FROM quiz_questions WHERE id = ?", (number,)).fetchone()
        return self._question(row) if row else None

    def next_question(self, course: str | None = None, subject: str | None = None,
                      asked: list[int] | tuple[int, ...] = ()) -> Question | None:
        """The first question of the course (or subject, or whole bank) not asked yet; cycles when all were."""
        with self._connect() as db:
            if course:
                rows = db.execute("SELECT * FROM quiz_questions WHERE course_code = ? ORDER BY id",
                                  (normalise_code(course) or course,)).fetchall()
            elif subject:
                rows = db.execute(
                    "SELECT q.* FROM quiz_questions q JOIN courses c ON c.code = q.course_code"
                    " WHERE lower(c.subject) = lower(?) ORDER BY q.id", (subject,)).fetchall()
            else:
                rows = db.execute("SELECT * FROM quiz_questions ORDER BY id").fetchall()
        if not rows:
            return None
        seen = {int(a) for a in asked}
        fresh = [r for r in rows if r["id"] not in seen]
        return self._question((fresh or rows)[0])

    def record_attempt(self, conversation_id: str, student_id: str | None, question_id: int, answer: str,
                       correct: bool, used_hint: bool) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO quiz_attempts (conversation_id, student_id, question_id, answer_given, correct, used_hint,"
                " answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, student_id, question_id, answer[:200], int(correct), int(used_hint),
                 datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )

    def tip(self, topic: str | None = None, given: list[int] | tuple[int, ...] = ()) -> tuple[int, str, str] | None:
        """A study tip (id, topic, text) on the topic, or a general one; not one already given if possible."""
        with self._connect() as db:
            rows = db.execute("SELECT id, topic, tip FROM study_tips WHERE topic = ? ORDER BY id",
                              (topic or "general",)).fetchall()
            if not rows:
                rows = db.execute("SELECT id, topic, tip FROM study_tips WHERE topic = 'general' ORDER BY id").fetchall()
        if not rows:
            return None
        seen = {int(g) for g in given}
        fresh = [r for r in rows if r[0] not in seen] or rows
        return (fresh[0][0], fresh[0][1], fresh[0][2])


_OPEN: dict[str, Catalog] = {}


def catalog_for(model_dir: Path) -> Catalog:
    """The (cached) working catalog of a domain; see ``Catalog.for_domain``."""
    key = os.environ.get(DB_ENV) or str(Path(model_dir).resolve() / "education.db")
    catalog = _OPEN.get(key)
    if catalog is None or not catalog.path.exists():
        catalog = _OPEN[key] = Catalog.for_domain(model_dir)
    return catalog
