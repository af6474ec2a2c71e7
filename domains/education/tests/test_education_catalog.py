"""The education pack's data layer against a freshly built database (real rows, fixed 'today')."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from dialogue.components import import_domain_plugin

PACK = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 12)  # a Monday


build_db = import_domain_plugin(PACK, "data/build_db.py")
cat = import_domain_plugin(PACK, "_catalog")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db.build(tmp_path_factory.mktemp("education") / "education.db", TODAY)


@pytest.fixture
def db(built: Path, tmp_path: Path):
    """A private copy per test, so writes never leak between tests."""
    copy = tmp_path / "education.db"
    shutil.copyfile(built, copy)
    return cat.Catalog(copy, today=TODAY)


def rows(catalog, sql: str, *params):
    with sqlite3.connect(catalog.path) as conn:
        return conn.execute(sql, params).fetchall()


def test_build_is_deterministic_and_realistic(tmp_path: Path) -> None:
    first = build_db.build(tmp_path / "a.db", TODAY).read_bytes()
    second = build_db.build(tmp_path / "b.db", TODAY).read_bytes()
    assert first == second
    catalog = cat.Catalog(tmp_path / "a.db", today=TODAY)
    assert len(catalog.search(limit=0)) == len(build_db.COURSES) >= 20
    assert rows(catalog, "SELECT COUNT(*) FROM students")[0][0] == 40
    assert rows(catalog, "SELECT COUNT(*) FROM quiz_questions")[0][0] >= 30
    # every question's answer letter points at a real choice and has a hint and an explanation
    for question_id, in rows(catalog, "SELECT id FROM quiz_questions"):
        question = catalog.question(question_id)
        assert question.answer_text and question.hint and question.explanation


def test_dates_move_with_today(db) -> None:
    later = cat.Catalog(db.path, today=TODAY + timedelta(days=30))
    assert later.course("CS101").starts_on == db.course("CS101").starts_on + timedelta(days=30)
    assert db.course("CS101").starts_on < TODAY < db.course("CS150").starts_on


def test_course_lookup_normalises_codes(db) -> None:
    assert db.course("cs 101").code == "CS101"
    assert db.course("math-210").title == "Linear Algebra"
    assert db.course("CS999") is None
    assert db.course("not a code") is None
    assert db.course("CS310").prerequisites == ("CS201", "MATH210")


def test_search_applies_every_filter(db) -> None:
    maths = db.search(subject="mathematics", limit=0)
    assert {c.code for c in maths} == {"MATH101", "MATH150", "MATH210"}
    online_evening = db.search(schedule="evenings", mode="online", limit=0)
    assert online_evening and all(c.schedule == "evenings" and c.mode == "online" for c in online_evening)
    assert db.search(subject="art", level="advanced") == []
    assert [c.code for c in db.search(subject="computer science", level="beginner", limit=0)] == ["CS101", "CS150"]


@pytest.mark.parametrize(
    ("student", "course", "reason"),
    [
        ("S10001", "CS201", "missing_prerequisites"),  # CS101 not completed yet
        ("S10001", "PSY101", "timetable_clash"),  # Mon & Wed evenings, like CS101
        ("S10001", "ART110", "course_full"),
        ("S10001", "CS101", "already_enrolled"),
        ("S10002", "CS101", "already_completed"),
        ("S10001", "XX123", "unknown_course"),
    ],
)
def test_eligibility_reasons(db, student: str, course: str, reason: str) -> None:
    problem = db.eligibility(student, course)
    assert problem is not None and problem.code == reason


def test_enrol_records_the_row_and_takes_a_seat(db) -> None:
    assert db.eligibility("S10002", "CS240") is None
    seats = db.course("CS240").seats_left
    course = db.enrol("S10002", "cs240")
    assert course.code == "CS240" and course.seats_left == seats - 1
    assert rows(db, "SELECT status, enrolled_on FROM enrolments WHERE student_id='S10002' AND course_code='CS240'") == [
        ("enrolled", TODAY.isoformat())
    ]
    assert "CS240" in {c.code for c in db.enrolments("S10002")}
    with pytest.raises(cat.EnrolmentError) as refused:
        db.enrol("S10002", "CS240")
    assert refused.value.code == "already_enrolled"


def test_drop_then_enrol_again(db) -> None:
    db.drop("S10001", "MATH150")
    assert db.status("S10001", "MATH150") == "dropped"
    assert "MATH150" not in {c.code for c in db.enrolments("S10001")}
    with pytest.raises(cat.EnrolmentError) as refused:
        db.drop("S10001", "MATH150")
    assert refused.value.code == "not_enrolled"
    db.enrol("S10001", "MATH150")
    assert db.status("S10001", "MATH150") == "enrolled"


def test_deadlines_are_unsubmitted_work_in_date_order(db) -> None:
    items = db.deadlines("S10001")
    assert items, "Maya has upcoming work"
    assert [i["due"] for i in items] == sorted(i["due"] for i in items)
    assert {i["course_code"] for i in items} <= {"CS101", "MATH150", "ENG105"}
    submitted = {r[0] for r in rows(db, "SELECT a.title FROM submissions s JOIN assignments a ON a.id = s.assignment_id"
                                         " WHERE s.student_id = 'S10001'")}
    assert not submitted & {i["title"] for i in items}
    week = db.deadlines("S10001", until=TODAY + timedelta(days=7), include_overdue=False)
    assert all(TODAY <= i["due"] <= TODAY + timedelta(days=7) for i in week)
    assert {i["course_code"] for i in db.deadlines("S10001", course="math 150")} == {"MATH150"}


def test_late_enrolment_owes_no_earlier_work(db) -> None:
    db.enrol("S10001", "STAT110")  # started three weeks ago
    stat = [i for i in db.deadlines("S10001") if i["course_code"] == "STAT110"]
    assert stat and all(not i["overdue"] for i in stat)
    course = next(c for c in db.progress("S10001")["courses"] if c["code"] == "STAT110")
    assert (course["submitted"], course["missing"], course["due_so_far"]) == (0, 0, 0)
    assert course["total"] < 5


def test_progress_counts_match_the_submissions(db) -> None:
    summary = db.progress("S10002")
    by_code = {c["code"]: c for c in summary["courses"]}
    assert set(by_code) == {"CS201", "MATH210", "STAT110"}
    count = rows(db, "SELECT COUNT(*) FROM submissions s JOIN assignments a ON a.id = s.assignment_id"
                     " WHERE s.student_id = 'S10002' AND a.course_code = 'CS201'")[0][0]
    assert by_code["CS201"]["submitted"] == count
    assert {c["code"]: c["grade"] for c in summary["completed"]} == {"CS101": 88, "MATH150": 79}


def test_quiz_questions_cycle_and_answers_are_interpreted(db) -> None:
    first = db.next_question(course="CS101")
    second = db.next_question(course="CS101", asked=[first.id])
    assert first.course_code == second.course_code == "CS101" and first.id != second.id
    all_ids = [q[0] for q in rows(db, "SELECT id FROM quiz_questions WHERE course_code = 'CS101'")]
    assert db.next_question(course="CS101", asked=all_ids).id == first.id  # starts over
    assert db.next_question(subject="statistics").course_code == "STAT110"
    assert db.next_question(course="ART110") is None

    tuple_question = db.question(2)  # "Which Python type is immutable?" answer C) tuple
    assert tuple_question.answer == "C"
    for reply, letter in [("c", "C"), ("Option B", "B"), ("I think it's a", "A"), ("(d)", "D"), ("tuple", "C"),
                          ("it's tuples", "C"), ("dict", "B"), ("Tupel", "C")]:
        assert tuple_question.interpret(reply) == letter, reply
    for reply in ("banana", "", "what?", "all of them"):
        assert tuple_question.interpret(reply) is None, reply


def test_attempts_show_in_progress(db) -> None:
    db.record_attempt("conv-1", "S10001", 1, "B", True, False)
    db.record_attempt("conv-1", "S10001", 2, "A", False, True)
    summary = db.progress("S10001")
    assert (summary["quiz_answered"], summary["quiz_correct"]) == (2, 1)


def test_tips_rotate_within_a_topic(db) -> None:
    first = db.tip("exams")
    second = db.tip("exams", given=[first[0]])
    assert first[1] == second[1] == "exams" and first[0] != second[0]
    assert db.tip("underwater basket weaving")[1] == "general"


def test_working_copy_leaves_the_shipped_database_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = cat.SHIPPED.read_bytes()
    monkeypatch.setenv(cat.DB_ENV, str(tmp_path / "work" / "education.db"))
    working = cat.catalog_for(tmp_path / "model")
    working.enrol("S10002", "CS240")
    assert working.path == tmp_path / "work" / "education.db"
    assert cat.SHIPPED.read_bytes() == shipped


def test_human_dates() -> None:
    assert cat.human_date(TODAY, TODAY) == "Mon 12 Jan (today)"
    assert cat.human_date(TODAY + timedelta(days=3), TODAY) == "Thu 15 Jan (in 3 days)"
    assert cat.human_date(TODAY - timedelta(days=2), TODAY) == "Sat 10 Jan (2 days ago)"
    assert cat.human_date(TODAY + timedelta(days=40), TODAY) == "Sat 21 Feb"


def test_a_foreign_database_is_refused_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "other.db"
    sqlite3.connect(bogus).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ValueError, match="build_db.py"):
        cat.Catalog(bogus)
    (tmp_path / "junk.db").write_text("not sqlite at all " * 100)
    with pytest.raises(ValueError, match="not an education database"):
        cat.Catalog(tmp_path / "junk.db")
    with pytest.raises(FileNotFoundError):
        cat.Catalog(tmp_path / "missing.db")
