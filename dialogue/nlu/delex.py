"""Delexicalisation: read entities as their types ("book me with _doctor_ on _date_").

A hand-written domain cannot list every order number, doctor or date in its examples; an
intent classifier that sees the entity's type instead of its value learns the pattern once
for all values. Training uses the annotations; run time uses the entities that earlier
pipeline steps (regex, lookup, spaCy) found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from dialogue.domain.examples import TrainingData
from dialogue.messages import ParsedMessage


def delexicalise(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, type) span replaced by ``_type_``; overlaps keep the longest."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if start < end and all(end <= a or start >= b for a, b, _ in chosen):
            chosen.append((start, end, kind))
    for start, end, kind in sorted(chosen, reverse=True):
        text = f"{text[:start]} _{kind.replace('_', '')}_ {text[end:]}"
    return " ".join(text.split())


def delexicalise_data(data: TrainingData) -> TrainingData:
    examples = tuple(
        replace(e, text=delexicalise(e.text, [(s.start, s.end, s.type) for s in e.entities]), entities=())
        for e in data.examples
    )
    return TrainingData(examples, synonyms=data.synonyms)


def delexicalised_text(parse: ParsedMessage) -> str:
    return delexicalise(parse.text, [(e.start, e.end, e.type) for e in parse.entities])
