"""Ada's catalog and enrolment actions: search, course details, enrol, drop, my courses.

Validation actions run while a form asks for a slot: they return the normalised value (or
None with a specific reply) and may set related slots (course title, student name) that the
confirmation message shows. Writes happen only in the submit actions, after confirmation.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from dialogue.actions import ActionContext, action

from . import _catalog as cat

#: the search filters an action reads from the message (or, when refining, from earlier turns)
FILTERS = ("subject", "level", "schedule", "mode")


def catalog(ctx: ActionContext) -> Any:
    return cat.catalog_for(ctx.domain.model_dir)


def latest_text(ctx: ActionContext) -> str:
    return ctx.latest.text if ctx.latest else ""


# --------------------------------------------------------------------------- catalog


#: words of a course search that never name a topic
SEARCH_WORDS = frozenset("""
    a about an and any anything are available be can class classes could course courses do does find for found
    get give got have i in is it learn list look looking me my need of offer on one ones or please run runs search
    see show some something study taught teach that the there these this to want what which with would you your
    there's what's i'd i'm hi hello thanks thank ok okay also more other all good best new related regarding covering
""".split())
TOPIC_AFTER = re.compile(r"\b(?:on|about|covering|regarding|related to|in the area of)\s+(.+)$", re.IGNORECASE)


def topic_words(ctx: ActionContext, vocabulary: set[str]) -> list[str]:
    """The topic a search asks for, beyond the subject/level/schedule/mode entities, and whether it was
    asked for explicitly ("courses on machine learning": every word counts) or only mentioned (then
    only words that occur in course titles and subjects count, so chatter never filters)."""
    text = latest_text(ctx)
    for entity in ctx.entities:  # the filters are searched by column; a course title is a topic too
        if entity.type in FILTERS:
            text = text[: entity.start] + " " * (entity.end - entity.start) + text[entity.end:]
    explicit = TOPIC_AFTER.search(text)
    words = [w for w in re.findall(r"[a-z0-9+#]+", (explicit.group(1) if explicit else text).lower())
             if w not in SEARCH_WORDS and len(w) > 1]
    return words if explicit else [w for w in words if cat.stem(w) in vocabulary]


@action("action_search_courses")
async def search_courses(ctx: ActionContext) -> None:
    """Filters from this message; a message with only a level/schedule/mode refines the last search."""
    said = {name: ctx.entity(name) for name in FILTERS}
    db = catalog(ctx)
    topic = topic_words(ctx, await asyncio.to_thread(db.topic_vocabulary))
    if said["subject"] or topic or not any(said.values()):
        filters = said  # a new search (or "show me courses": everything)
    else:
        filters = {name: said[name] or ctx.slot(name) for name in FILTERS}
    for name in FILTERS:
        ctx.set_slot(name, filters[name])
    found = await asyncio.to_thread(db.search, **filters, limit=6, topic=topic)
    described = " ".join(v for v in (filters["level"], filters["mode"], filters["subject"], "courses") if v)
    if topic:
        described += " on " + " ".join(topic)
    if filters["schedule"] in ("mornings", "afternoons", "evenings"):
        described += f" in the {filters['schedule']}"
    elif filters["schedule"] == "weekends":
        described += " at weekends"
    if not found:
        ctx.set_slot("suggested_course", None)
        ctx.respond("utter_no_courses_found", filters=described)
        return
    ctx.set_slot("suggested_course", found[0].code)
    ctx.respond("utter_course_results", courses=[c.summary() for c in found], filters=described)


@action("action_course_info")
async def course_info(ctx: ActionContext) -> None:
    code = ctx.entity("course_code") or ctx.slot("course_code") or ctx.slot("suggested_course")
    if not code:
        ctx.respond("utter_which_course")
        return
    course = await asyncio.to_thread(catalog(ctx).course, code)
    if course is None:
        ctx.respond("utter_unknown_course", code=str(code))
        return
    ctx.set_slot("suggested_course", course.code)
    ctx.respond("utter_course_info", course=course.summary())


# --------------------------------------------------------------------------- validation


async def _resolve_course(ctx: ActionContext, raw: Any) -> Any:
    """A course from a code, a title or free text ('the python one'); None if nothing fits."""
    db = catalog(ctx)
    course = await asyncio.to_thread(db.course, raw)
    if course is None and raw:
        text = str(raw).lower()
        matches = [c for c in await asyncio.to_thread(db.search, limit=0)
                   if c.title.lower() in text or text in c.title.lower()]
        course = matches[0] if len(matches) == 1 else None
    return course


def _student_id(raw: Any) -> str | None:
    text = str(raw or "").strip()
    if text.isdigit() and len(text) == 5:
        text = "S" + text
    return cat.normalise_student_id(text)


async def _check_student(ctx: ActionContext) -> dict[str, Any] | None:
    """Validate ``student_id``; on success set the normalised id and the name."""
    raw = ctx.slot("student_id")
    sid = _student_id(raw) or _student_id(ctx.entity("student_id"))
    if sid is None:
        ctx.set_slot("student_id", None)  # the form's invalid response explains the format
        return None
    student = await asyncio.to_thread(catalog(ctx).student, sid)
    if student is None:
        ctx.set_slot("student_id", None)
        ctx.respond("utter_unknown_student", given=sid)
        return None
    ctx.set_slot("student_id", sid)
    ctx.set_slot("student_name", student["name"].split(" ")[0])
    return student


def _say_why(ctx: ActionContext, problem: Any) -> None:
    """Say why an enrolment is not possible (one response per reason, in responses.yml)."""
    ctx.respond(f"utter_enrol_{problem.code}", **problem.details)


async def _alternatives(ctx: ActionContext, code: str) -> str:
    db = catalog(ctx)
    course = await asyncio.to_thread(db.course, code)
    if course is None:
        return ""
    others = await asyncio.to_thread(db.search, subject=course.subject, limit=0)
    open_ones = [c.code for c in others if c.code != course.code and c.seats_left > 0]
    return ", ".join(open_ones[:3])


async def _course_or_unknown(ctx: ActionContext) -> Any:
    """The course the ``course_code`` slot names, or None after clearing it and saying it is unknown."""
    raw = ctx.slot("course_code")
    course = await _resolve_course(ctx, raw)
    if course is None:
        ctx.set_slot("course_code", None)
        ctx.respond("utter_unknown_course", code=str(raw or latest_text(ctx))[:40])
    return course


async def _refuse_if_ineligible(ctx: ActionContext, student_id: str, code: str) -> bool:
    """Say why the student cannot take ``code`` (with open alternatives when it is full) and clear the
    course slot; False when nothing stands in the way."""
    problem = await asyncio.to_thread(catalog(ctx).eligibility, student_id, code)
    if problem is None:
        return False
    if problem.code == "course_full":
        problem.details["alternatives"] = await _alternatives(ctx, code)
    ctx.refuse("course_code")  # the form ends unless another course comes next
    _say_why(ctx, problem)
    return True


@action("action_validate_student")
async def validate_student(ctx: ActionContext) -> None:
    await _check_student(ctx)


@action("action_validate_enrol_student")
async def validate_enrol_student(ctx: ActionContext) -> None:
    """A valid student; if the course is already chosen and not possible for them, ask for another."""
    student = await _check_student(ctx)
    code = ctx.slot("course_code")
    if student is None or not code:
        return
    await _refuse_if_ineligible(ctx, student["id"], code)


@action("action_validate_enrol_course")
async def validate_enrol_course(ctx: ActionContext) -> None:
    course = await _course_or_unknown(ctx)
    if course is None:
        return
    sid = ctx.slot("student_id")
    if sid and await _refuse_if_ineligible(ctx, sid, course.code):
        ctx.respond("utter_ask_enrol_course_again")
        return
    ctx.set_slot("course_code", course.code)
    ctx.set_slot("course_title", course.title)
    started = "started" if course.starts_on <= cat.date.today() else "starts"
    ctx.set_slot("course_when", f"{course.when}, {course.mode}, {started} {cat.human_date(course.starts_on)}")


@action("action_validate_drop_student")
async def validate_drop_student(ctx: ActionContext) -> None:
    """A valid student; if the course named earlier is not one of theirs, ask which one instead."""
    student = await _check_student(ctx)
    code = cat.normalise_code(ctx.slot("course_code"))
    if student is None or not code:
        return
    current = await asyncio.to_thread(catalog(ctx).enrolments, student["id"])
    if code not in {c.code for c in current}:
        ctx.refuse("course_code", "utter_not_enrolled_in", code=code,
                   current=", ".join(c.code for c in current) or "no courses")


@action("action_validate_drop_course")
async def validate_drop_course(ctx: ActionContext) -> None:
    course = await _course_or_unknown(ctx)
    if course is None:
        return
    sid = ctx.slot("student_id")
    if sid:
        current = await asyncio.to_thread(catalog(ctx).enrolments, sid)
        if course.code not in {c.code for c in current}:
            ctx.refuse("course_code", "utter_not_enrolled_in", code=course.code,
                       current=", ".join(c.code for c in current) or "no courses")
            ctx.respond("utter_ask_drop_course")
            return
    ctx.set_slot("course_code", course.code)
    ctx.set_slot("course_title", course.title)
    ctx.set_slot("course_when", course.when)


# --------------------------------------------------------------------------- writes


@action("action_enrol")
async def enrol(ctx: ActionContext) -> None:
    """Record the enrolment; a refusal (e.g. the last seat went meanwhile) is explained, not raised."""
    db = catalog(ctx)
    sid, code = ctx.slot("student_id"), ctx.slot("course_code")
    try:
        course = await asyncio.to_thread(db.enrol, sid, code)
    except cat.EnrolmentError as problem:
        _say_why(ctx, problem)
        return
    deadlines = await asyncio.to_thread(db.deadlines, sid, course.code, None, False)
    first = deadlines[0] if deadlines else None
    ctx.set_slot("suggested_course", course.code)
    ctx.respond("utter_enrolled", course=course.summary(),
                first_deadline=f"{first['title']}, due {first['due_text']}" if first else "")


@action("action_drop")
async def drop(ctx: ActionContext) -> None:
    try:
        course = await asyncio.to_thread(catalog(ctx).drop, ctx.slot("student_id"), ctx.slot("course_code"))
    except cat.EnrolmentError as problem:
        ctx.respond("utter_not_enrolled_in", code=problem.details.get("course_code", ""), current="")
        return
    ctx.respond("utter_dropped", course=course.summary())


# --------------------------------------------------------------------------- the student's own data


@action("action_identified")
async def identified(ctx: ActionContext) -> None:
    """The identify form is done: run what the student asked for before we knew who they were."""
    pending = ctx.slot("pending_request")
    ctx.set_slot("pending_request", None)
    target = {"my_courses": "action_my_courses", "deadlines": "action_deadlines", "progress": "action_progress"}
    if pending in target:
        ctx.follow_up(target[pending])
    else:
        ctx.respond("utter_how_can_i_help")


@action("action_remember_student")
async def remember_student(ctx: ActionContext) -> None:
    """A bare student id out of the blue: check it, remember it, offer what it unlocks."""
    if not ctx.entity("student_id"):
        ctx.respond("utter_find_student_id")  # "I forgot my student id"
        return
    if await _check_student(ctx) is not None:
        ctx.respond("utter_student_remembered")
    elif not ctx.result.acts:
        ctx.respond("utter_invalid_student_id", value=str(ctx.slots.get("student_id")), slot="student_id")


@action("action_my_courses")
async def my_courses(ctx: ActionContext) -> None:
    if await _check_student(ctx) is None:
        if not ctx.result.acts:
            ctx.respond("utter_unknown_student", given=str(ctx.slots.get("student_id")))
        return
    current = await asyncio.to_thread(catalog(ctx).enrolments, ctx.slot("student_id"))
    if not current:
        ctx.respond("utter_no_enrolments")
        return
    ctx.respond("utter_my_courses", courses=[c.summary() for c in current])
