"""Ada's coursework actions: assignment deadlines, progress summary and study tips."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from dialogue.actions import ActionContext, action

from . import _catalog as cat

#: timeframe entity value → days from today the window ends (None: no limit)
WINDOWS = {"today": 0, "tomorrow": 1, "this_week": 7, "next_week": 14, "this_month": 31}
TIMEFRAME_WORDS = {"today": "today", "tomorrow": "by tomorrow", "this_week": "in the next 7 days",
                   "next_week": "in the next two weeks", "this_month": "in the next month"}


def catalog(ctx: ActionContext) -> Any:
    return cat.catalog_for(ctx.domain.model_dir)


async def known_student(ctx: ActionContext) -> str | None:
    """The student id if it is a real student (setting the name the replies use), else say so."""
    sid = ctx.slot("student_id")
    student = await asyncio.to_thread(catalog(ctx).student, sid)
    if student is None:
        ctx.set_slot("student_id", None)
        ctx.respond("utter_unknown_student", given=str(sid))
        return None
    ctx.set_slot("student_id", student["id"])
    ctx.set_slot("student_name", student["name"].split(" ")[0])
    return str(student["id"])


@action("action_deadlines")
async def deadlines(ctx: ActionContext) -> None:
    """Unsubmitted work of the student's current courses; overdue items first, then upcoming."""
    db = catalog(ctx)
    timeframe = ctx.entity("timeframe")
    course = ctx.entity("course_code")
    until = db.today + timedelta(days=WINDOWS[timeframe]) if timeframe in WINDOWS else None
    sid = await known_student(ctx)
    if sid is None:
        return
    items = await asyncio.to_thread(db.deadlines, sid, course, until)
    overdue = [i for i in items if i["overdue"]]
    upcoming = [i for i in items if not i["overdue"]]
    window = TIMEFRAME_WORDS.get(timeframe, "")
    scope = f" for {cat.normalise_code(course) or course}" if course else ""
    if not items:
        ctx.respond("utter_no_deadlines", window=window, scope=scope)
        return
    ctx.respond("utter_deadlines", overdue=overdue, upcoming=upcoming[:6], more=max(0, len(upcoming) - 6),
                window=window, scope=scope)


@action("action_progress")
async def progress(ctx: ActionContext) -> None:
    sid = await known_student(ctx)
    if sid is None:
        return
    summary = await asyncio.to_thread(catalog(ctx).progress, sid)
    course = cat.normalise_code(ctx.entity("course_code"))
    if course:
        summary["courses"] = [c for c in summary["courses"] if c["code"] == course]
        if not summary["courses"]:
            ctx.respond("utter_not_enrolled_in", code=course, current="")
            return
    summary["quiz_session"] = f"{ctx.slot('quiz_score') or 0} of {ctx.slot('quiz_total') or 0}"
    ctx.respond("utter_progress", **summary)


@action("action_study_tip")
async def study_tip(ctx: ActionContext) -> None:
    """A tip on the topic asked about (or a general one), never the same twice in a row."""
    topic = ctx.entity("tip_topic") or ctx.slot("tip_topic")
    given = list(ctx.slot("tips_given") or [])
    found = await asyncio.to_thread(catalog(ctx).tip, topic, given)
    if found is None:
        ctx.respond("utter_no_tip")
        return
    number, tip_topic, text = found
    ctx.set_slot("tips_given", [*given, number][-20:])
    ctx.respond("utter_study_tip", tip=text, topic=tip_topic)
