"""Whether a message asks something: the wording the second-request step and the dialogue manager go by."""

from __future__ import annotations

import pytest

from dialogue.questions import asks_for_information


@pytest.mark.parametrize(
    "text",
    ["what's your return policy", "do you ship to canada", "is it in stock?", "tell me your return policy",
     "please show me my deadlines", "can you tell me the fees", "also let me know the opening hours",
     "explain the late policy", "so, when are you open"],
)
def test_questions_and_requests_to_be_told(text: str) -> None:
    assert asks_for_information(text)


@pytest.mark.parametrize(
    "text",
    ["it arrived broken", "cancel my order", "my id is S10003", "book me in on monday", "the blue one", "thanks",
     "showroom prices are high"],
)
def test_statements_and_tasks_do_not_ask(text: str) -> None:
    assert not asks_for_information(text)
