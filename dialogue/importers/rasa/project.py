"""Read a Rasa 3.x project's files: config, domain (one file or a folder), data, test stories, actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogue.domain.errors import DomainError, Problem
from dialogue.domain.positions import load_yaml_with_positions

#: list keys of a domain that several domain files concatenate; the others are merged mappings
DOMAIN_LISTS = ("intents", "entities", "actions")


@dataclass
class RasaProject:
    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    domain: dict[str, Any] = field(default_factory=dict)
    nlu: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    rules: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    stories: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    test_stories: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    action_files: list[Path] = field(default_factory=list)


def read_project(path: Path) -> RasaProject:
    """Every file of the project, or ``DomainError`` naming what is missing or unreadable."""
    if not path.is_dir():
        raise DomainError([Problem(path, None, None, "not a folder")])
    project = RasaProject(path)
    config = path / "config.yml"
    project.config = _load(config) if config.is_file() else {}
    domain_files = [path / "domain.yml"] if (path / "domain.yml").is_file() else sorted((path / "domain").rglob("*.yml"))
    if not domain_files:
        raise DomainError([Problem(path, None, None, "no domain.yml (or domain/ folder): not a Rasa project")])
    for file in domain_files:
        _merge_domain(project.domain, _load(file))
    for file in sorted((path / "data").rglob("*.yml")) + sorted((path / "data").rglob("*.yaml")):
        data = _load(file)
        for key, bucket in (("nlu", project.nlu), ("rules", project.rules), ("stories", project.stories)):
            for item in data.get(key) or []:
                if isinstance(item, dict):
                    bucket.append((file, item))
    for file in sorted((path / "tests").rglob("*.yml")) + sorted((path / "tests").rglob("*.yaml")):
        for item in _load(file).get("stories") or []:
            if isinstance(item, dict):
                project.test_stories.append((file, item))
    actions = path / "actions"
    project.action_files = sorted(actions.rglob("*.py")) if actions.is_dir() else (
        [path / "actions.py"] if (path / "actions.py").is_file() else [])
    return project


def _load(file: Path) -> dict[str, Any]:
    data, _ = load_yaml_with_positions(file)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DomainError([Problem(file, 1, 1, "expected a mapping at the top level")])
    return data


def _merge_domain(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key in DOMAIN_LISTS and isinstance(value, list):
            into.setdefault(key, []).extend(value)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key].update(value)
        else:
            into[key] = value
