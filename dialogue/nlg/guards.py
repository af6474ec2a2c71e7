"""Safety checks around generation: prompt injection, length, block-list, prompt echo, slot preservation.

A generated reply is only ever shown when every check passes; otherwise the caller uses the
template (rephrase) or a fixed reply (free-form). The checks are plain text rules, so they
are cheap, predictable and testable without a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: user text that tries to change the bot's rules; answered with a fixed refusal, never generated
INJECTION_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(ignore|disregard|forget|override|bypass)\b.{0,30}\b(previous|prior|above|earlier|all|your|the|these|any)\b.{0,20}"
        r"\b(instructions?|rules?|prompts?|guidelines?|directions?|context)\b",
        r"\byou are now\b",
        r"\byou're now\b",
        r"\bfrom now on,? you\b",
        r"\b(system|developer|hidden|initial) (prompt|message|instructions?)\b",
        r"\b(reveal|show|print|repeat|tell me) (me )?(your|the) (instructions|prompt|rules)\b",
        r"\bnew (instructions|rules)\b",
        r"\b(pretend|act as if) (you are|you're|to be)\b",
        r"\bdeveloper mode\b",
        r"\bjailbreak",
        r"\bdo anything now\b",
        r"<\|?(system|im_start|endoftext)\|?>",
    )
)

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
#: numbers, times, dates, ids and codes: any word with a digit in it
DIGITS = re.compile(r"[A-Za-z#]*\d[\w]*(?:[.,:/-]\d[\w]*)*")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def detect_injection(text: str | None) -> str | None:
    """The matched phrase if ``text`` tries to rewrite the bot's instructions, else None."""
    if not text:
        return None
    for pattern in INJECTION_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


@dataclass(frozen=True)
class Verdict:
    ok: bool
    text: str
    reason: str = ""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def blocked_phrase(text: str, blocklist: Iterable[str]) -> str | None:
    """The first block-listed word or phrase found as whole words in ``text``."""
    for phrase in blocklist:
        phrase = phrase.strip()
        if phrase and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE):
            return phrase
    return None


def echoes(text: str, secret: str, window: int = 6) -> bool:
    """True when ``text`` repeats ``window`` consecutive words of ``secret`` (the system prompt)."""
    secret_words = _words(secret)
    if len(secret_words) < window:
        return bool(secret_words) and _norm(" ".join(secret_words)) in _norm(" ".join(_words(text)))
    grams = {tuple(secret_words[i : i + window]) for i in range(len(secret_words) - window + 1)}
    words = _words(text)
    return any(tuple(words[i : i + window]) in grams for i in range(len(words) - window + 1))


def limit_length(text: str, max_chars: int) -> str:
    """Cut text over ``max_chars`` at its last sentence end (or word) inside the limit."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    ends = list(_SENTENCE_END.finditer(head))
    if ends and ends[-1].end() > max_chars // 3:
        return head[: ends[-1].end()].strip()
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:-") + "…"


def end_at_sentence(text: str) -> str:
    """Drop an unfinished last sentence (a reply cut by the token budget), if a whole one precedes it."""
    text = text.strip()
    if not text or text[-1] in ".!?…)\"'”*":
        return text
    ends = list(_SENTENCE_END.finditer(text))
    if ends and ends[-1].end() > len(text) // 3:
        return text[: ends[-1].end()].strip()
    return text


def whole_sentences(text: str) -> str:
    """``text`` up to its last sentence end that more text follows: a prefix no later cut removes.

    ``end_at_sentence`` and ``limit_length`` only ever cut at or after such a point, so text
    up to it can be streamed while the model is still writing.
    """
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]
    return text[: ends[-1]] if ends else ""


def clean_generated(text: str) -> str:
    """Remove wrappers small models like to add: quotes, 'Rewritten:' labels, role prefixes."""
    text = text.strip()
    text = re.sub(r"^(?:here(?:'s| is) (?:the |a |my )?\w+(?: \w+)?(?: version)?:|rewritten(?: message)?:|"
                  r"assistant:|bot:|answer:|reply:)\s*", "", text, flags=re.IGNORECASE)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1]
    text = text.strip("“”\"").strip()
    return text


def check_generated(text: str, *, max_chars: int, blocklist: Iterable[str] = (), system_prompt: str = "") -> Verdict:
    """Clean, shorten and check a generated reply: empty, block-listed and prompt-echoing text fail."""
    text = limit_length(clean_generated(text), max_chars)
    if not re.search(r"\w", text):
        return Verdict(False, text, "empty")
    if (phrase := blocked_phrase(text, blocklist)) is not None:
        return Verdict(False, text, f"block-listed phrase {phrase!r}")
    if system_prompt and echoes(text, system_prompt):
        return Verdict(False, text, "repeats the system prompt")
    if detect_injection(text):
        return Verdict(False, text, "talks about its own instructions")
    return Verdict(True, text)


# --------------------------------------------------------------------------- rephrase preservation


def protected_tokens(text: str) -> set[str]:
    """URLs, e-mails and every word containing a digit (numbers, times, ids), normalised."""
    found = {m.group(0).lower().rstrip(".,;:!?)") for m in URL.finditer(text)}
    rest = URL.sub(" ", text)
    found |= {m.group(0).lower() for m in EMAIL.finditer(rest)}
    rest = EMAIL.sub(" ", rest)
    found |= {_norm_number(m.group(0)) for m in DIGITS.finditer(rest)}
    return {t for t in found if t}


def _norm_number(token: str) -> str:
    token = token.lower().lstrip("#").rstrip(".,:/-")
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", token)


STOPWORDS = frozenset(
    "about after again also because been before being could does doing from have here into just more most much "
    "only other over same should some such than that their them then there these they this those through under "
    "very were what when where which while will with would your yours you're we're it's i'm".split()
)


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z']{3,}", text.lower()) if w not in STOPWORDS]


def _proper_nouns(text: str) -> set[str]:
    """Capitalised words not starting a sentence: names of people, products, places."""
    found: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        words = re.findall(r"[A-Za-z][\w'&-]*", sentence)
        found.update(w for w in words[1:] if w[0].isupper() and w.lower() not in ("i", "i'm", "i'll", "i've", "i'd"))
    return found


_NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|nobody|cannot|without)\b|n't\b", re.IGNORECASE)


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text.replace("’", "'")))


def check_faithful(template: str, candidate: str, min_recall: float = 0.4) -> Verdict:
    """A rewrite keeps the template's names and enough of its content words, and does not ramble."""
    if not 0.4 <= len(candidate) / max(1, len(template)) <= 2.0:
        return Verdict(False, candidate, "length differs too much from the template")
    words = re.findall(r"[a-z0-9']+", candidate.lower())
    trigrams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    if trigrams and len(set(trigrams)) / len(trigrams) < 0.8:
        return Verdict(False, candidate, "repeats itself")
    if "?" in template and "?" not in candidate:
        return Verdict(False, candidate, "turns a question into a statement")
    if _negated(template) != _negated(candidate):
        return Verdict(False, candidate, "adds or drops a negation")
    said = candidate.lower()
    if missing := sorted(n for n in _proper_nouns(template) if n.lower() not in said):
        return Verdict(False, candidate, f"drops the name(s) {missing}")
    content = set(_content_words(template))
    if content:
        stems = {w[:5] for w in _content_words(candidate)}
        kept = sum(1 for w in content if w[:5] in stems)
        if kept / len(content) < min_recall:
            return Verdict(False, candidate, f"keeps only {kept}/{len(content)} content words")
    return Verdict(True, candidate)


def check_preserved(template: str, candidate: str, values: Mapping[str, Any]) -> Verdict:
    """A rephrasing keeps every slot value and number of the template and adds no new ones."""
    said = _norm(candidate)
    for name, value in values.items():
        if value is None or isinstance(value, bool | Mapping | list | tuple):
            continue
        shown = _norm(str(value))
        if shown and shown in _norm(template) and shown not in said:
            return Verdict(False, candidate, f"drops the value of {name!r} ({value!r})")
    before, after = protected_tokens(template), protected_tokens(candidate)
    if missing := before - after:
        return Verdict(False, candidate, f"drops {sorted(missing)}")
    if extra := after - before:
        return Verdict(False, candidate, f"adds {sorted(extra)}")
    return Verdict(True, candidate)


def check_supported(answer: str, passage: str, question: str = "", min_share: float = 0.7) -> Verdict:
    """A generated answer says only what the passage says: its numbers, e-mails, links and names come
    from the passage (or the question), most of its content words are the passage's, and it keeps
    the passage's negation."""
    source = f"{passage} {question}"
    if extra := protected_tokens(answer) - protected_tokens(source):
        return Verdict(False, answer, f"adds {sorted(extra)}")
    said = source.lower()
    if names := sorted(n for n in _proper_nouns(answer) if n.lower() not in said):
        return Verdict(False, answer, f"names {names}, which the passage does not")
    words = _content_words(answer)
    stems = {w[:5] for w in _content_words(source)}
    if words and sum(w[:5] in stems for w in words) / len(words) < min_share:
        return Verdict(False, answer, "says things the passage does not")
    if _negated(answer) and not _negated(passage):
        return Verdict(False, answer, "adds a negation")
    return Verdict(True, answer)
