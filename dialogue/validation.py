"""Whole-domain validation: YAML and references, pipeline parameters, plugins and actions."""

from __future__ import annotations

from pathlib import Path

from dialogue.components import component_config, load_local_plugins
from dialogue.domain import Domain, DomainError, Problem, load_domain
from dialogue.registry import PluginError, registry, suggest


def validate_domain(path: str | Path) -> tuple[list[Problem], Domain | None]:
    """Every problem found, and the domain when it loaded; importing plugins is part of the check."""
    try:
        domain = load_domain(path)
    except DomainError as exc:
        return exc.problems, None
    problems: list[Problem] = []
    try:
        load_local_plugins(domain)
    except PluginError as exc:
        problems.append(Problem(domain.path, None, None, str(exc)))
    specs = [("nlu", s) for s in domain.pipeline.nlu] + [
        ("dm", domain.pipeline.dm), ("nlg", domain.pipeline.nlg), ("store", domain.pipeline.store),
    ] + [("subscriber", s) for s in domain.pipeline.subscribers]
    for group, spec in specs:
        try:
            component_config(group, spec)
        except PluginError as exc:
            problems.append(Problem(_pipeline_file(domain), None, None, f"pipeline: {exc}"))
    actions = registry("action")
    for name in domain.actions:
        if name not in actions:
            problems.append(
                Problem(domain.path, None, None,
                        f"action {name!r} is declared but no plugin registers it.{suggest(name, actions.names())}")
            )
    return problems, domain


def _pipeline_file(domain: Domain) -> Path:
    for file in domain.files:
        if "pipeline:" in file.read_text(encoding="utf-8"):
            return file
    return domain.path
