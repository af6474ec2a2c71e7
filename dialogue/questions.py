"""Does a message ask something? Plain English wording, shared by the NLU steps and the dialogue manager.

A question has a rule that answers it; a task starts a form. Where a message's words are all there is to go
on (a message read mid-form, the second request in one message), its wording tells the two apart.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["asks_for_information", "asks_rather_than_requests", "looks_like_question", "makes_a_request",
           "opens_with_an_imperative"]

_QUESTION_START = re.compile(
    r"^\s*(?:(?:so|and|but|also|wait|oh|ok|okay|hey|hi|sorry|quick question)[,!]?\s+)*"
    r"(?:how|what|what's|whats|which|when|where|where's|wheres|why|who|whose|is|are|do|does|did|can|could|will|"
    r"would|should|may|have|has)\b",
    re.IGNORECASE,
)
_INFORMATION_REQUEST = re.compile(
    r"^\s*(?:(?:so|and|also|then|please|pls|ok|okay)[,!]?\s+)*"
    r"(?:(?:(?:can|could|would)\s+you\s+)?(?:tell|show|give|send|remind)\s+me|let\s+me\s+know|explain|list)\b",
    re.IGNORECASE,
)

_REQUEST_OPENER = re.compile(
    r"^\s*(?:(?:so|and|also|then|ok|okay)[,!]?\s+)*(?:please\b|pls\b|kindly\b|"
    r"i\s+(?:want|wanna|need|would\s+like|'d\s+like|d\s+like|'m\s+looking|am\s+looking)\b|"
    r"(?:can|could|would|will)\s+(?:you|u|i|we)\b|i'd\s+like\b|id\s+like\b|let's\b|lets\b)",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    """True for "how much is the mug set", "is it in stock?" and the like."""
    return text.rstrip().endswith("?") or bool(_QUESTION_START.match(text))


def asks_for_information(text: str) -> bool:
    """A question, or a request to be told something: "tell me your return policy", "let me know the fees"."""
    return looks_like_question(text) or bool(_INFORMATION_REQUEST.match(text))


def asks_rather_than_requests(text: str) -> bool:
    """A question that does not open the way requests do: "what happens if I cancel an order?" asks, "can you
    cancel my order?" and "sorry to bother you, cancel an order" request."""
    return looks_like_question(text) and not _REQUEST_OPENER.match(text)


_OPENING_WORDS = frozenset({"please", "pls", "kindly", "so", "and", "also", "then", "ok", "okay", "just", "now"})
#: verbs whose bare form opens questions and fixed phrases rather than commands
_NOT_COMMANDS = frozenset({"be", "do", "have", "let", "thank", "thanks", "mind", "wait", "hold"})


@lru_cache(maxsize=1)
def tagger() -> Any:
    """spaCy's small English pipeline for part-of-speech tags and lemmas, loaded on first use (None without the spacy
    extra)."""
    try:
        from dialogue.nlu.extractors.spacy_ner import load_spacy

        return load_spacy("en_core_web_sm", ("ner", "parser"))
    except (ImportError, RuntimeError):
        return None


def opens_with_an_imperative(text: str) -> bool:
    """"cancel my order", "please track package 104302": the first word (after "please", "so" and the like) is a
    verb in its bare form, by spaCy's tagger. False where spaCy is not installed."""
    nlp = tagger()
    if nlp is None:
        return False
    words = [token for token in nlp(text) if not token.is_punct]
    while words and words[0].lower_ in _OPENING_WORDS:
        words = words[1:]
    return bool(words) and words[0].tag_ == "VB" and words[0].lower_ not in _NOT_COMMANDS


def makes_a_request(text: str) -> bool:
    """Asks for information, or opens the way requests do: "I want to return order 104302", "please cancel it",
    "could you change the address", "cancel my order". A statement ("it arrived broken") does none of these."""
    return asks_for_information(text) or bool(_REQUEST_OPENER.match(text)) or opens_with_an_imperative(text)
