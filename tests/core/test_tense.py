"""Actions told as already done: "why did you cancel my order?" tells of a cancellation, it does not ask for one."""

from __future__ import annotations

import pytest

from dialogue.tense import past_actions, past_actions_of, without_past_actions

pytest.importorskip("spacy")


@pytest.mark.parametrize(
    ("text", "cue", "scope", "verb"),
    [
        ("why did you cancel my order 104302", "did", "cancel my order 104302", "cancel"),
        ("i already cancelled order 104302", "cancelled", "cancelled order 104302", "cancel"),
        ("I cancelled order 104302 by mistake, can I undo it?", "cancelled", "cancelled order 104302 by mistake", "cancel"),
        ("was my order 104302 cancelled?", "was", "my order 104302 cancelled", "cancel"),
        ("has my address been changed?", "has", "my address been changed", "change"),
        ("I have cancelled it already", "have", "cancelled it already", "cancel"),
        ("you sent it back without asking me!", "sent", "sent it back without asking me", "send"),
        ("I was going to cancel order 104302", "was", "cancel order 104302", "cancel"),
        ("we were about to book it", "were", "book it", "book"),
    ],
)
def test_an_action_told_as_done(text: str, cue: str, scope: str, verb: str) -> None:
    (action,) = past_actions(text)
    assert (action.cue, action.scope, action.verb) == (cue, scope, verb)
    assert text[action.start:action.end] == cue


@pytest.mark.parametrize(
    "text",
    ["cancel order 104302", "I want my order cancelled", "I'd like the address changed please", "can you get it cancelled",
     "I wanted to cancel my order", "I tried to change the address", "why didn't you cancel my order", "quit",
     "I'm going to cancel it", "was it going to rain",
     "where is my order", ""],
)
def test_requests_wishes_and_commands_are_not_past_actions(text: str) -> None:
    assert past_actions(text) == []


def test_the_rest_is_what_the_message_still_asks() -> None:
    assert without_past_actions("I cancelled order 104302 by mistake, can I undo it?") == "I , can I undo it?"
    assert without_past_actions("cancel it, I changed my mind") == "cancel it, I"
    assert without_past_actions("cancel order 104302") == "cancel order 104302"


def test_a_batch_tags_only_messages_that_may_tell_of_the_past() -> None:
    found = past_actions_of(["where is my order", "why did you cancel it", "hi"])
    assert [len(f) for f in found] == [0, 1, 0]
