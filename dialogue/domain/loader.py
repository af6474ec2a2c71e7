"""Read a domain folder: parse every YAML file, validate it, merge, cross-check references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from dialogue.domain.errors import DomainError, Problem
from dialogue.domain.model import Domain
from dialogue.domain.origin import Origin
from dialogue.domain.positions import Positions, load_yaml_with_positions, locate
from dialogue.domain.references import check_references
from dialogue.domain.schema import (
    LIST_SECTIONS,
    MAP_SECTIONS,
    SINGLE_SECTIONS,
    DomainFile,
    GenerationSettings,
    KnowledgeSettings,
    PipelineSpec,
    Settings,
)

#: sub-folders of a domain that hold other things than domain YAML
SKIPPED_DIRS = {"tests", "data", "plugins", "knowledge", ".dialogue", "__pycache__"}


def domain_files(folder: Path) -> list[Path]:
    files = [
        p
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".yml", ".yaml") and p.is_file() and not (set(p.relative_to(folder).parts[:-1]) & SKIPPED_DIRS)
    ]
    return files


def load_domain(folder: str | Path) -> Domain:
    """Load and validate a domain; raise ``DomainError`` listing every problem found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DomainError([Problem(folder, None, None, "not a domain folder (no such directory)")])
    files = domain_files(folder)
    if not files:
        raise DomainError([Problem(folder, None, None, "no .yml or .yaml files in the domain folder")])

    problems: list[Problem] = []
    merged: dict[str, Any] = {**{k: {} for k in MAP_SECTIONS}, **{k: [] for k in LIST_SECTIONS}}
    origin = Origin()
    for file in files:
        parsed = _validate_file(file, problems)
        if parsed is None:
            continue
        data, positions, model = parsed
        for section in MAP_SECTIONS:
            for name, value in getattr(model, section).items():
                if name in merged[section]:
                    line, column = locate(positions, (section, name))
                    problems.append(Problem(file, line, column, f"{section[:-1]} {name!r} is defined twice"))
                    continue
                merged[section][name] = value
                origin.add((section, name), file, positions, (section, name))
        for section in LIST_SECTIONS:
            start = len(merged[section])
            for i, value in enumerate(getattr(model, section)):
                merged[section].append(value)
                origin.add((section, start + i), file, positions, (section, i))
        for section in SINGLE_SECTIONS:
            if section in data:
                if section in merged:
                    line, column = locate(positions, (section,))
                    problems.append(Problem(file, line, column, f"section {section!r} appears in more than one file"))
                    continue
                merged[section] = getattr(model, section)
                origin.add((section,), file, positions, (section,))
    if problems:
        raise DomainError(problems)

    domain = Domain(
        path=folder,
        name=merged.get("name") or folder.resolve().name,
        description=merged.get("description") or "",
        persona=merged.get("persona") or "",
        intents=merged["intents"],
        entities=merged["entities"],
        slots=merged["slots"],
        responses=merged["responses"],
        forms=merged["forms"],
        rules=merged["rules"],
        actions=merged["actions"],
        pipeline=merged.get("pipeline") or PipelineSpec(),
        settings=merged.get("settings") or Settings(),
        generation=merged.get("generation") or GenerationSettings(),
        knowledge=merged.get("knowledge") or KnowledgeSettings(),
        plugins=merged["plugins"],
        files=tuple(files),
    )
    problems.extend(check_references(domain, origin))
    if problems:
        raise DomainError(problems)
    return domain


def _validate_file(file: Path, problems: list[Problem]) -> tuple[dict[str, Any], Positions, DomainFile] | None:
    try:
        data, positions = load_yaml_with_positions(file)
    except DomainError as exc:
        problems.extend(Problem(file, p.line, p.column, p.message) for p in exc.problems)
        return None
    if data is None:
        return {}, positions, DomainFile()
    if not isinstance(data, dict):
        problems.append(Problem(file, 1, 1, "a domain file must be a mapping of sections (intents:, responses:, ...)"))
        return None
    try:
        return data, positions, DomainFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            path = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
            clean = tuple(p for p in path if isinstance(p, int) or p in _keys_along(data, path))
            line, column = locate(positions, clean)
            problems.append(Problem(file, line, column, _describe(error, clean, data)))
        return None


def _node(data: Any, path: tuple[Any, ...]) -> Any:
    """The value at ``path`` in ``data``, or None."""
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _keys_along(data: Any, path: tuple[Any, ...]) -> set[Any]:
    """Keys that really exist along ``path`` (pydantic adds type names like 'list[...]' to locs)."""
    keys: set[Any] = set()
    node = data
    for part in path:
        if isinstance(node, dict) and part in node:
            keys.add(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
    return keys


def _describe(error: ErrorDetails, path: tuple[Any, ...], data: Any = None) -> str:
    where = ".".join(str(p) for p in path) or "file"
    if error["type"] == "extra_forbidden":
        from dialogue.registry import suggest

        field = str(error["loc"][-1])
        hint = suggest(field, _allowed_keys(error))
        parent = _node(data, path[:-1])
        if not hint and isinstance(parent, dict) and len(parent) == 1 and isinstance(error.get("input"), str):
            hint = (f" Hint: if this is text, the ': ' after {field!r} made it a mapping; quote the whole text: "
                    f"\"{field}: {error['input']}\".")
        return f"{where}: unknown key {field!r}.{hint}"
    given = error.get("input")
    if error["type"] == "string_type" and isinstance(given, dict) and len(given) == 1:
        key, value = next(iter(given.items()))
        return (f"{where}: {error['msg']}. Hint: the ': ' after {key!r} made this a mapping; quote the whole text: "
                f"\"{key}: {value}\".")
    return f"{where}: {error['msg']}"


def _allowed_keys(error: ErrorDetails) -> list[str]:
    from dialogue.domain import schema

    names: list[str] = []
    for cls in vars(schema).values():
        if isinstance(cls, type) and hasattr(cls, "model_fields"):
            for name, info in cls.model_fields.items():
                names.append(info.alias or name)
    return names
