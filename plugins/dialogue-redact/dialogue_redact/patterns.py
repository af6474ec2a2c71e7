"""What counts as personal data here, and how it is masked."""

from __future__ import annotations

import re

PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "card": re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    "phone": re.compile(r"(?<!\w)\+?\d[\d ().-]{7,}\d\b"),
}


def redact(text: str, kinds: tuple[str, ...] = tuple(PATTERNS)) -> tuple[str, list[str]]:
    """Replace each match with ``[KIND]``; returns the new text and the kinds found, in order."""
    found: list[str] = []
    for kind in kinds:
        def mask(match: re.Match[str], kind: str = kind) -> str:
            found.append(kind)
            return f"[{kind.upper()}]"

        text = PATTERNS[kind].sub(mask, text)
    return text, found
