"""Whether a message asks something: the wording the second-request step and the dialogue manager go by."""

from __future__ import annotations

import pytest

from dialogue.questions import asks_for_information, makes_a_request, opens_with_an_imperative


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


@pytest.mark.parametrize(
    ("text", "imperative"),
    [("cancel my order", True), ("please track package 104302", True), ("so book me in with cardiology", True),
     ("drop CS101", True), ("it arrived broken", False), ("my package is late", False), ("thank you", False),
     ("hold on", False), ("where is it", False), ("order 104302 please", False)],
)
def test_a_bare_imperative_is_a_request(text: str, imperative: bool) -> None:
    assert opens_with_an_imperative(text) is imperative  # spaCy's tagger, installed with the spacy extra
    assert makes_a_request(text) is (imperative or text == "where is it")
