"""The project's own format: a domain folder, or one YAML file with ``intents:`` (and ``entities:``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from dialogue.domain.errors import DomainError
from dialogue.domain.examples import AnnotationError, TrainingData, parse_annotated
from dialogue.domain.positions import locate
from dialogue.domain.schema import EntitySpec, IntentSpec
from dialogue.nlu.readers.errors import ReaderError, read_yaml


def read_domain_yaml(path: Path) -> TrainingData:
    path = Path(path)
    if path.is_dir():
        from dialogue.domain import load_domain

        try:
            domain = load_domain(path)
            return domain.training_data()
        except DomainError as exc:
            first = exc.problems[0]
            raise ReaderError(first.file or path, first.line, str(exc)) from exc
        except AnnotationError as exc:
            raise ReaderError(path, None, str(exc)) from exc
    data, positions = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("intents"), dict):
        raise ReaderError(path, 1, "expected a mapping with an 'intents:' section (intent name → examples)")
    examples = []
    for intent, raw_spec in data["intents"].items():
        try:
            spec = IntentSpec.model_validate(raw_spec)
        except ValidationError as exc:
            raise ReaderError(path, locate(positions, ("intents", intent))[0], f"intent {intent!r}: {exc.errors()[0]['msg']}") from exc
        for index, raw in enumerate(spec.examples):
            try:
                examples.append(parse_annotated(raw, str(intent)))
            except AnnotationError as exc:
                exact = positions.get(("intents", intent, index)) or positions.get(("intents", intent, "examples", index))
                line = exact[0] if exact else locate(positions, ("intents", intent))[0]
                raise ReaderError(path, line, str(exc)) from exc
    synonyms: dict[str, str] = {}
    for name, raw_entity in (data.get("entities") or {}).items():
        try:
            entity = EntitySpec.model_validate(raw_entity or {})
        except ValidationError as exc:
            raise ReaderError(path, locate(positions, ("entities", name))[0], f"entity {name!r}: {exc.errors()[0]['msg']}") from exc
        for canonical, forms in entity.synonyms.items():
            synonyms[canonical.lower()] = canonical
            synonyms.update({str(f).lower(): canonical for f in forms})
    if not examples:
        raise ReaderError(path, None, "no intent examples")
    return TrainingData(examples=tuple(examples), synonyms=synonyms)
