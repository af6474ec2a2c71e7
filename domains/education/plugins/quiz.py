"""Ada's practice quiz: pick a question, take the answer, hint, check, explain, keep score.

Questions, hints and explanations come from the quiz bank in the pack's database; every
checked answer is recorded in ``quiz_attempts`` (with the student id when known) so the
progress summary can report practice results.
"""

from __future__ import annotations

import asyncio
from typing import Any

from dialogue.actions import ActionContext, action

from . import _catalog as cat


def catalog(ctx: ActionContext) -> Any:
    return cat.catalog_for(ctx.domain.model_dir)


async def _current(ctx: ActionContext) -> Any:
    return await asyncio.to_thread(catalog(ctx).question, ctx.slot("quiz_question_id"))


@action("action_quiz_next")
async def quiz_next(ctx: ActionContext) -> None:
    """Choose the next question: the course or subject named now, else the quiz's topic so far."""
    course = cat.normalise_code(ctx.entity("course_code"))
    subject = ctx.entity("subject")
    if course or subject:
        topic = course or subject
    else:
        topic = ctx.slot("quiz_topic")
        course = cat.normalise_code(topic)
        subject = None if course else topic
    asked = [int(a) for a in ctx.slot("quiz_asked") or []]
    db = catalog(ctx)
    question = await asyncio.to_thread(db.next_question, course, subject, asked)
    note = ""
    if question is None and course:  # no questions for this course: try its subject
        known = await asyncio.to_thread(db.course, course)
        if known is not None:
            question = await asyncio.to_thread(db.next_question, None, known.subject, asked)
        note = f"I don't have practice questions for {course} yet, so here's a related one."
    if question is None:
        question = await asyncio.to_thread(db.next_question, None, None, asked)
        if topic:
            note = f"I don't have practice questions on {topic} yet, so here's one from another course."
    if question is None:
        ctx.respond("utter_quiz_empty")
        return
    ctx.set_slot("quiz_topic", topic)
    ctx.set_slot("quiz_question_id", question.id)
    ctx.set_slot("quiz_question", question.as_text())
    ctx.set_slot("quiz_course", question.course_code)
    ctx.set_slot("quiz_hint_used", False)
    ctx.set_slot("quiz_asked", [*asked, question.id][-50:])
    if note:
        ctx.say(note)


@action("action_validate_quiz_answer")
async def validate_quiz_answer(ctx: ActionContext) -> None:
    """Turn a reply ('b', 'option C', 'a tuple') into the letter it stands for; None if it names no choice."""
    question = await _current(ctx)
    if question is None:
        ctx.set_slot("quiz_answer", None)
        ctx.respond("utter_quiz_empty")
        return
    ctx.set_slot("quiz_answer", question.interpret(str(ctx.slot("quiz_answer") or "")))


@action("action_quiz_text_answer")
async def quiz_text_answer(ctx: ActionContext) -> None:
    """The NLU heard another intent mid-question; if the text names a choice, it is the answer."""
    question = await _current(ctx)
    if question is None:
        ctx.respond("utter_no_quiz")
        return
    letter = question.interpret(ctx.latest.text if ctx.latest else "")
    if letter is None:
        ctx.respond("utter_quiz_unclear")
        return
    ctx.set_slot("quiz_answer", letter)  # the form is then complete and submits the answer


@action("action_check_answer")
async def check_answer(ctx: ActionContext) -> None:
    question = await _current(ctx)
    if question is None:
        ctx.respond("utter_quiz_empty")
        return
    given = str(ctx.slot("quiz_answer") or "")
    correct = given == question.answer
    await asyncio.to_thread(catalog(ctx).record_attempt, ctx.conversation_id, ctx.slot("student_id"), question.id,
                            given, correct, bool(ctx.slot("quiz_hint_used")))
    score = int(ctx.slot("quiz_score") or 0) + int(correct)
    total = int(ctx.slot("quiz_total") or 0) + 1
    ctx.set_slot("quiz_score", score)
    ctx.set_slot("quiz_total", total)
    values = {"answer": f"{question.answer}) {question.answer_text}", "explanation": question.explanation}
    ctx.respond("utter_quiz_correct" if correct else "utter_quiz_incorrect", **values)
    ctx.respond("utter_quiz_score")


@action("action_quiz_hint")
async def quiz_hint(ctx: ActionContext) -> None:
    question = await _current(ctx)
    if question is None:
        ctx.respond("utter_no_quiz")
        return
    ctx.set_slot("quiz_hint_used", True)
    ctx.respond("utter_quiz_hint", hint=question.hint)


@action("action_quiz_reveal")
async def quiz_reveal(ctx: ActionContext) -> None:
    """The student gave up: count it as a miss, show the answer and why."""
    question = await _current(ctx)
    if question is None:
        ctx.respond("utter_no_quiz")
        return
    await asyncio.to_thread(catalog(ctx).record_attempt, ctx.conversation_id, ctx.slot("student_id"), question.id,
                            "(gave up)", False, bool(ctx.slot("quiz_hint_used")))
    ctx.set_slot("quiz_total", int(ctx.slot("quiz_total") or 0) + 1)
    ctx.respond("utter_quiz_reveal", answer=f"{question.answer}) {question.answer_text}", explanation=question.explanation)
    ctx.respond("utter_quiz_score")


@action("action_quiz_explain")
async def quiz_explain(ctx: ActionContext) -> None:
    """After an answer: explain the last question again."""
    question = await _current(ctx)
    if question is None:
        ctx.respond("utter_no_quiz")
        return
    ctx.respond("utter_quiz_explain", answer=f"{question.answer}) {question.answer_text}",
                explanation=question.explanation)
