"""One cleaning for every channel: NFKC, no format or control characters, nothing left is empty."""

from __future__ import annotations

import pytest

from dialogue.text import clean_text, is_empty


@pytest.mark.parametrize(
    "text",
    ["\u200b", "\ufeff", "\x00", " \u200b\u200c\u200d\u2060 ", "\u202e\u2066", "\x1b\x07\x7f", "\u3164", "\ufe0f",
     "\U000e0041\U000e007f", "\ud800", "", "   \n\t "],
)
def test_invisible_only_messages_are_empty(text: str) -> None:
    assert clean_text(text) == ""
    assert is_empty(text)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("tra\u200bck my order", "track my order"),
        ("\ufeffyes", "yes"),
        ("yes\x00", "yes"),
        ("１０４２３３", "104233"),  # full-width digits (NFKC)
        ("ﬁne", "fine"),  # a ligature
        ("line one\nline two\ttab", "line one\nline two\ttab"),  # ordinary whitespace stays
        ("  hello  ", "hello"),
        ("café", "café"),
        ("\u202eevil\u202c", "evil"),  # bidi overrides go
    ],
)
def test_visible_text_is_kept_and_normalised(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned
    assert not is_empty(text)
