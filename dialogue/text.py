"""What a user typed, cleaned once for every channel: nothing invisible reaches the NLU.

A message of only a zero-width space, a byte-order mark or a NUL looks blank to a person but
not to ``str.strip()``; a classifier then reads *something* into it (once, "yes"). Every channel
(terminal chat, REST, WebSocket, conversation tests, ``Bot.handle``) calls ``clean_text`` and
treats an empty result as no message at all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

#: control characters that are ordinary whitespace and stay (everything else of category Cc goes)
_KEPT_CONTROLS = frozenset("\t\n\r")
#: Unicode "default ignorable" code points that are not of category Cf: fillers and selectors that render
#: as nothing (Hangul fillers, combining grapheme joiner, variation selectors, Khmer inherent vowels)
_IGNORABLE_RANGES = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF),
)
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs"})  # format, control, lone surrogates


class EmptyText(ValueError):
    """A message with nothing visible in it; channels refuse it before it reaches the bot."""


def _invisible(char: str) -> bool:
    if char in _KEPT_CONTROLS:
        return False
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return True
    point = ord(char)
    return any(low <= point <= high for low, high in _IGNORABLE_RANGES)


def clean_text(text: str) -> str:
    """``text`` in NFKC form without format, control (except tab and newlines) or other invisible
    characters, and without surrounding whitespace; ``""`` when nothing visible is left."""
    normalised = unicodedata.normalize("NFKC", text)
    return "".join(char for char in normalised if not _invisible(char)).strip()


def is_empty(text: str) -> bool:
    """True when ``text`` has nothing visible in it (blank, or only invisible characters)."""
    return not clean_text(text)


def without_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the character ranges ``spans`` (in order, possibly overlapping) taken out and the spaces
    tidied: what a message still says once its negated or past phrases are gone."""
    kept, position = [], 0
    for start, end in spans:
        kept.append(text[position:max(position, start)])
        position = max(position, end)
    kept.append(text[position:])
    return " ".join(" ".join(kept).split())
