"""``data/*.yml`` ``nlu:`` items → intents with examples, entity synonyms, regexes and lookups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialogue.domain.examples import AnnotationError, parse_annotated
from dialogue.importers.rasa.report import Report


def examples(block: Any) -> list[str]:
    """The ``- example`` lines of an ``examples: |`` block (or a list)."""
    if isinstance(block, list):
        return [str(item).strip() for item in block if str(item).strip()]
    lines = [line.strip() for line in str(block or "").splitlines()]
    return [line[1:].strip() for line in lines if line.startswith("-") and line[1:].strip()]


def convert_nlu(items: list[tuple[Path, dict[str, Any]]], intents: dict[str, Any], entities: dict[str, Any],
                report: Report) -> None:
    """Fill ``intents`` (name → examples) and ``entities`` (name → regex/lookup/synonyms) in place."""
    synonyms: dict[str, list[str]] = {}
    for file, item in items:
        where = f"{file.name}: {next(iter(item))} {next(iter(item.values()))}"
        if "intent" in item:
            name = str(item["intent"])
            if "/" in name:
                report.add("nlu", where, "a retrieval intent (ResponseSelector) is not converted.")
                continue
            kept = intents.setdefault(name, [])
            for text in examples(item.get("examples")):
                try:
                    parse_annotated(text, name)
                except AnnotationError as exc:
                    report.add("nlu", where, f"example {text!r} skipped: {exc}")
                    continue
                kept.append(text)
            if item.get("metadata"):
                report.add("nlu", where, "example metadata is not used here.", "approximated")
        elif "synonym" in item:
            synonyms.setdefault(str(item["synonym"]), []).extend(examples(item.get("examples")))
        elif "regex" in item:
            name = str(item["regex"])
            entities.setdefault(name, {}).setdefault("regex", []).extend(examples(item.get("examples")))
        elif "lookup" in item:
            name = str(item["lookup"])
            entities.setdefault(name, {}).setdefault("lookup", []).extend(examples(item.get("examples")))
        else:
            report.add("nlu", where, "unknown nlu item (not intent, synonym, regex or lookup).")
    _attach_synonyms(synonyms, intents, entities, report)


def _attach_synonyms(synonyms: dict[str, list[str]], intents: dict[str, Any], entities: dict[str, Any],
                     report: Report) -> None:
    """Rasa's synonyms are global; here they belong to an entity: the one whose examples use the value."""
    values: dict[str, set[str]] = {}  # canonical value or surface text → entity types it was annotated as
    for name, texts in intents.items():
        for text in texts:
            example = parse_annotated(text, name)
            for span in example.entities:
                values.setdefault(span.value.lower(), set()).add(span.type)
                values.setdefault(example.text[span.start:span.end].lower(), set()).add(span.type)
    for name, spec in entities.items():
        for value in spec.get("lookup", []):
            values.setdefault(str(value).lower(), set()).add(name)
    for canonical, forms in synonyms.items():
        owners = values.get(canonical.lower(), set()) | set().union(*(values.get(f.lower(), set()) for f in forms))
        if not owners:
            report.add("nlu", f"synonym: {canonical}", "no annotated example or lookup uses this value, so the "
                       "entity it belongs to is unknown: not converted.")
            continue
        for owner in sorted(owners):
            entities.setdefault(owner, {}).setdefault("synonyms", {}).setdefault(canonical, []).extend(
                f for f in forms if f not in entities[owner]["synonyms"][canonical])
