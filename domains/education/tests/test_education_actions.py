"""The education pack's custom actions, run the way the dialogue manager runs them, on a real DB copy."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from dialogue.actions import ActionContext, ActionResult
from dialogue.components import load_local_plugins
from dialogue.domain.loader import load_domain
from dialogue.domain.model import Domain
from dialogue.messages import Entity, IntentScore, ParsedMessage
from dialogue.registry import registry

PACK = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain() -> Domain:
    loaded = load_domain(PACK)
    load_local_plugins(loaded)
    return loaded


@pytest.fixture(autouse=True)
def private_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test works on its own copy of the shipped database."""
    path = tmp_path / "education.db"
    monkeypatch.setenv("DIALOGUE_EDUCATION_DB", str(path))
    return path


async def run(domain: Domain, name: str, slots: dict[str, Any] | None = None, text: str = "",
              intent: str = "inform", entities: dict[str, str] | None = None) -> ActionResult:
    found = tuple(
        Entity(type=k, value=v, text=str(v), start=0, end=len(str(v)), extractor="test") for k, v in (entities or {}).items()
    )
    parse = ParsedMessage(conversation_id="test", turn_id=1, text=text, intent=IntentScore(name=intent, confidence=1.0),
                          entities=found)
    ctx = ActionContext(conversation_id="test", domain=domain, slots={**dict.fromkeys(domain.slots), **(slots or {})},
                        latest=parse)
    await registry("action").get(name).run(ctx)
    return ctx.result


def said(result: ActionResult) -> list[str]:
    return [act.name for act in result.acts]


def test_every_declared_action_is_registered(domain: Domain) -> None:
    for name in domain.actions:
        assert name in registry("action"), name


async def test_search_filters_and_refinement(domain: Domain) -> None:
    result = await run(domain, "action_search_courses", entities={"subject": "mathematics"})
    assert said(result) == ["utter_course_results"]
    codes = [c["code"] for c in result.acts[0].slots["courses"]]
    assert codes and all(code.startswith("MATH") for code in codes)
    assert result.slots["suggested_course"] == codes[0]
    # "only intermediate ones" keeps the subject from the last search
    refined = await run(domain, "action_search_courses", slots={"subject": "mathematics"},
                        entities={"level": "intermediate"})
    assert [c["code"] for c in refined.acts[0].slots["courses"]] == ["MATH210"]
    nothing = await run(domain, "action_search_courses", entities={"subject": "art", "level": "advanced"})
    assert said(nothing) == ["utter_no_courses_found"]


async def test_course_info_known_and_unknown(domain: Domain) -> None:
    result = await run(domain, "action_course_info", entities={"course_code": "CS201"})
    assert said(result) == ["utter_course_info"]
    assert result.acts[0].slots["course"]["prerequisites"] == "CS101"
    unknown = await run(domain, "action_course_info", entities={"course_code": "CS999"})
    assert said(unknown) == ["utter_unknown_course"]
    assert said(await run(domain, "action_course_info")) == ["utter_which_course"]


async def test_student_validation_normalises_and_rejects(domain: Domain) -> None:
    ok = await run(domain, "action_validate_student", slots={"student_id": "10002"})
    assert ok.slots == {"student_id": "S10002", "student_name": "Liam"}
    unknown = await run(domain, "action_validate_student", slots={"student_id": "S99999"})
    assert unknown.slots["student_id"] is None and said(unknown) == ["utter_unknown_student"]
    junk = await run(domain, "action_validate_student", slots={"student_id": "my id is secret"})
    assert junk.slots["student_id"] is None and said(junk) == []  # the form's invalid response explains


async def test_course_validation_checks_eligibility(domain: Domain) -> None:
    missing = await run(domain, "action_validate_enrol_course", slots={"student_id": "S10001", "course_code": "CS201"})
    assert missing.slots["course_code"] is None
    assert said(missing) == ["utter_enrol_missing_prerequisites", "utter_ask_enrol_course_again"] and missing.acts[0].slots["missing"] == "CS101"
    full = await run(domain, "action_validate_enrol_course", slots={"student_id": "S10001", "course_code": "ART110"})
    assert said(full) == ["utter_enrol_course_full", "utter_ask_enrol_course_again"]
    by_title = await run(domain, "action_validate_enrol_course",
                         slots={"student_id": "S10001", "course_code": "web development fundamentals please"})
    assert by_title.slots["course_code"] == "CS150" and by_title.slots["course_title"] == "Web Development Fundamentals"
    # course named before the student: the student's validation catches the clash and asks again
    clash = await run(domain, "action_validate_enrol_student", slots={"student_id": "S10001", "course_code": "PSY101"})
    assert clash.slots["student_id"] == "S10001" and clash.slots["course_code"] is None
    assert said(clash) == ["utter_enrol_timetable_clash"]


async def test_enrol_writes_the_database(domain: Domain, private_db: Path) -> None:
    result = await run(domain, "action_enrol", slots={"student_id": "S10001", "course_code": "CS150",
                                                       "student_name": "Maya"})
    assert said(result) == ["utter_enrolled"]
    with sqlite3.connect(private_db) as db:
        assert db.execute("SELECT status FROM enrolments WHERE student_id = 'S10001' AND course_code = 'CS150'"
                          ).fetchall() == [("enrolled",)]
    again = await run(domain, "action_enrol", slots={"student_id": "S10001", "course_code": "CS150"})
    assert said(again) == ["utter_enrol_already_enrolled"]


async def test_drop_validation_and_write(domain: Domain, private_db: Path) -> None:
    not_mine = await run(domain, "action_validate_drop_course", slots={"student_id": "S10001", "course_code": "CS310"})
    assert not_mine.slots["course_code"] is None and said(not_mine) == ["utter_not_enrolled_in", "utter_ask_drop_course"]
    assert "CS101" in not_mine.acts[0].slots["current"]
    result = await run(domain, "action_drop", slots={"student_id": "S10001", "course_code": "ENG105"})
    assert said(result) == ["utter_dropped"]
    with sqlite3.connect(private_db) as db:
        assert db.execute("SELECT status FROM enrolments WHERE student_id = 'S10001' AND course_code = 'ENG105'"
                          ).fetchone() == ("dropped",)


async def test_identified_continues_the_pending_request(domain: Domain) -> None:
    result = await run(domain, "action_identified", slots={"student_id": "S10001", "pending_request": "deadlines"})
    assert result.follow_up == ["action_deadlines"] and result.slots["pending_request"] is None


async def test_deadlines_progress_and_tips(domain: Domain) -> None:
    deadlines = await run(domain, "action_deadlines", slots={"student_id": "S10002"})
    assert said(deadlines) == ["utter_deadlines"]
    upcoming = deadlines.acts[0].slots["upcoming"]
    assert upcoming and all(not item["overdue"] for item in upcoming)
    today_only = await run(domain, "action_deadlines", slots={"student_id": "S10002"}, entities={"timeframe": "today"})
    assert said(today_only)[0] in ("utter_deadlines", "utter_no_deadlines")
    progress = await run(domain, "action_progress", slots={"student_id": "S10003"})
    assert {c["code"] for c in progress.acts[0].slots["courses"]} == {"CS310", "DS200"}
    tip = await run(domain, "action_study_tip", entities={"tip_topic": "exams"})
    assert tip.acts[0].slots["topic"] == "exams" and len(tip.slots["tips_given"]) == 1
    second = await run(domain, "action_study_tip", slots={"tips_given": tip.slots["tips_given"], "tip_topic": "exams"})
    assert second.acts[0].slots["tip"] != tip.acts[0].slots["tip"]


async def test_quiz_question_answer_hint_and_score(domain: Domain, private_db: Path) -> None:
    started = await run(domain, "action_quiz_next", entities={"course_code": "CS101"}, intent="start_quiz")
    question_id = started.slots["quiz_question_id"]
    assert started.slots["quiz_course"] == "CS101" and "A) " in started.slots["quiz_question"]
    slots = {**started.slots, "quiz_score": 0, "quiz_total": 0}
    hint = await run(domain, "action_quiz_hint", slots=slots)
    assert said(hint) == ["utter_quiz_hint"] and hint.slots["quiz_hint_used"] is True
    checked = await run(domain, "action_validate_quiz_answer", slots={**slots, "quiz_answer": "four"})
    assert checked.slots["quiz_answer"] == "B"  # len([3, 1, 4, 1]) is 4, choice B
    nonsense = await run(domain, "action_validate_quiz_answer", slots={**slots, "quiz_answer": "purple"})
    assert nonsense.slots["quiz_answer"] is None
    scored = await run(domain, "action_check_answer", slots={**slots, "quiz_answer": "B", "student_id": "S10001"})
    assert said(scored) == ["utter_quiz_correct", "utter_quiz_score"]
    assert (scored.slots["quiz_score"], scored.slots["quiz_total"]) == (1, 1)
    wrong = await run(domain, "action_check_answer", slots={**slots, "quiz_answer": "A", "quiz_score": 1, "quiz_total": 1})
    assert said(wrong)[0] == "utter_quiz_incorrect" and wrong.slots["quiz_score"] == 1
    with sqlite3.connect(private_db) as db:
        assert db.execute("SELECT question_id, correct FROM quiz_attempts ORDER BY id").fetchall() == [
            (question_id, 1), (question_id, 0)]
    following = await run(domain, "action_quiz_next", slots={**slots, "quiz_topic": "CS101"}, intent="start_quiz")
    assert following.slots["quiz_question_id"] != question_id and following.slots["quiz_course"] == "CS101"


async def test_quiz_on_a_course_without_questions_falls_back(domain: Domain) -> None:
    result = await run(domain, "action_quiz_next", entities={"course_code": "CS310"}, intent="start_quiz")
    assert result.slots["quiz_course"].startswith("CS")  # a related computer-science question
    assert result.acts and "CS310" in (result.acts[0].text or "")


async def test_quiz_text_answer_reads_misheard_intents_as_answers(domain: Domain) -> None:
    started = await run(domain, "action_quiz_next", entities={"course_code": "PSY101"}, intent="start_quiz")
    slots = {**started.slots, "quiz_score": 0, "quiz_total": 0}
    answer = await run(domain, "action_quiz_text_answer", slots=slots, text="sensory memory", intent="study_tips")
    assert answer.slots == {"quiz_answer": "B"} and said(answer) == []
    unclear = await run(domain, "action_quiz_text_answer", slots=slots, text="show me maths courses",
                        intent="search_courses")
    assert "quiz_answer" not in unclear.slots and said(unclear) == ["utter_quiz_unclear"]
