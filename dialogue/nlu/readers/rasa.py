"""Rasa NLU YAML: ``nlu: - intent: x  examples: | - ...`` plus ``synonym:`` items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialogue.domain.examples import AnnotationError, TrainingData, TrainingExample, parse_annotated
from dialogue.domain.positions import locate
from dialogue.nlu.readers.errors import ReaderError, read_yaml

IGNORED_ITEMS = ("regex", "lookup")


def example_lines(block: Any, path: Path, line: int | None) -> list[tuple[str, int | None]]:
    """The ``- example`` lines of a Rasa examples block (or list), each with its file line."""
    if isinstance(block, list):
        return [(str(item), line) for item in block]
    if not isinstance(block, str):
        raise ReaderError(path, line, "examples must be a block of '- example' lines")
    found = []
    for offset, raw in enumerate(block.split("\n"), start=1):
        text = raw.strip()
        if not text:
            continue
        at = line + offset if line is not None else None
        if not text.startswith("-"):
            raise ReaderError(path, at, f"example line {text!r} must start with '- '")
        found.append((text[1:].strip(), at))
    return found


def read_rasa(path: Path) -> TrainingData:
    path = Path(path)
    data, positions = read_yaml(path)
    if not isinstance(data, dict) or "nlu" not in data:
        raise ReaderError(path, 1, "not Rasa NLU data: expected a top-level 'nlu:' list")
    items = data["nlu"]
    if not isinstance(items, list):
        raise ReaderError(path, locate(positions, ("nlu",))[0], "'nlu:' must be a list of items")
    examples: list[TrainingExample] = []
    synonyms: dict[str, str] = {}
    for index, item in enumerate(items):
        line = locate(positions, ("nlu", index))[0]
        if not isinstance(item, dict):
            raise ReaderError(path, line, "each nlu item must be a mapping with intent: and examples:")
        if any(key in item for key in IGNORED_ITEMS) and "intent" not in item:
            continue
        block_line = locate(positions, ("nlu", index, "examples"))[0]
        if "synonym" in item:
            for form, _ in example_lines(item.get("examples", ""), path, block_line):
                synonyms[form.lower()] = str(item["synonym"])
            continue
        if "intent" not in item:
            raise ReaderError(path, line, f"nlu item has no intent/synonym/regex/lookup key (keys: {', '.join(map(str, item))})")
        intent = str(item["intent"]).strip()
        if not intent:
            raise ReaderError(path, line, "empty intent name")
        if "examples" not in item:
            raise ReaderError(path, line, f"intent {intent!r} has no examples")
        for text, at in example_lines(item["examples"], path, block_line):
            if not text:
                raise ReaderError(path, at, "empty example")
            try:
                examples.append(parse_annotated(text, intent))
            except AnnotationError as exc:
                raise ReaderError(path, at, str(exc)) from exc
    if not examples:
        raise ReaderError(path, None, "no intent examples")
    return TrainingData(examples=tuple(examples), synonyms=synonyms)
