"""Labelled examples: the domain's annotated format (`[12345](order_id)`) and the data NLU trains on.

Independent of where examples were read from (YAML, JointBERT, CSV, Rasa); part of the domain layer
because a domain's intents are written in it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntitySpan:
    """An annotated entity: character offsets into the example text, end exclusive."""

    start: int
    end: int
    type: str
    value: str  # normalised value; equals the surface text unless a synonym says otherwise
    role: str | None = None


@dataclass(frozen=True)
class TrainingExample:
    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()


@dataclass(frozen=True)
class TrainingData:
    examples: tuple[TrainingExample, ...]
    #: surface form (lower-cased) → canonical value, from the domain's synonyms
    synonyms: dict[str, str] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    @property
    def entity_types(self) -> list[str]:
        return sorted({s.type for e in self.examples for s in e.entities})

    def counts(self) -> Counter[str]:
        return Counter(e.intent for e in self.examples)

    def fingerprint(self) -> str:
        """Stable content hash: same examples and synonyms → same hash, in any order."""
        payload = json.dumps(
            {
                "examples": sorted(
                    [e.text, e.intent, [[s.start, s.end, s.type, s.value, s.role] for s in e.entities]]
                    for e in self.examples
                ),
                "synonyms": sorted(self.synonyms.items()),
            },
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+)\]"  # [surface text]
    r"(?:\((?P<type>[A-Za-z_][\w.-]*)(?::(?P<value>[^)]*))?\)"  # (type) or (type:value)
    r"|\{(?P<json>[^}]*)\})"  # or {"entity": "type", "value": "v", "role": "r"}
)


class AnnotationError(ValueError):
    """An example's inline annotation is malformed; ``column`` is 0-based in the raw text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


def parse_annotated(raw: str, intent: str) -> TrainingExample:
    """Parse ``"track [12345](order_id) and [NY](city:New York)"`` into text and spans."""
    text_parts: list[str] = []
    spans: list[EntitySpan] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION.finditer(raw):
        before = raw[cursor : match.start()]
        text_parts.append(before)
        length += len(before)
        surface = match.group("text")
        if match.group("json") is not None:
            try:
                meta = json.loads("{" + match.group("json") + "}")
            except json.JSONDecodeError as exc:
                raise AnnotationError(f"entity annotation {match.group(0)!r} is not valid JSON: {exc.msg}", match.start()) from exc
            if not isinstance(meta, dict) or "entity" not in meta:
                raise AnnotationError(f"entity annotation {match.group(0)!r} needs an \"entity\" key", match.start())
            etype, value, role = str(meta["entity"]), str(meta.get("value", surface)), meta.get("role")
        else:
            etype, value, role = match.group("type"), match.group("value") or surface, None
        spans.append(EntitySpan(length, length + len(surface), etype, value, role))
        text_parts.append(surface)
        length += len(surface)
        cursor = match.end()
    text_parts.append(raw[cursor:])
    text = "".join(text_parts)
    stray = re.search(r"\]\(|\[[^\]]*$", text)
    if stray:
        raise AnnotationError(f"unbalanced entity annotation in {raw!r}", stray.start())
    return TrainingExample(text=text, intent=intent, entities=tuple(spans))
