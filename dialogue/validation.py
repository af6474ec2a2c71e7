"""Whole-domain validation: YAML and references, plugins, pipeline parameters, actions, conversation tests.

One mistake gives one error, at its file and line: a plugin that fails to import is reported
where it fails, and the actions it would have registered are then not reported as missing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dialogue.components import component_config, import_domain_plugin, local_plugin_files
from dialogue.domain import Domain, DomainError, Problem, load_domain
from dialogue.domain.locate import problem_at
from dialogue.registry import PluginError, domain_scope, registry, suggest

log = logging.getLogger("dialogue.validation")


def validate_domain(path: str | Path) -> tuple[list[Problem], Domain | None]:
    """Every problem found, and the domain when it loaded; importing plugins is part of the check."""
    try:
        domain = load_domain(path)
    except DomainError as exc:
        return exc.problems, None
    plugin_problems = import_plugins(domain)
    problems = [*plugin_problems, *pipeline_problems(domain)]
    if not plugin_problems:  # a plugin that did not import registers nothing: its actions are not "missing"
        problems.extend(action_problems(domain))
    problems.extend(test_problems(domain))
    return problems, domain


def import_plugins(domain: Domain) -> list[Problem]:
    """Import each plugin file on its own, so every broken file is reported once, where it breaks."""
    problems: list[Problem] = []
    seen: set[tuple[str, int | None, str]] = set()
    for index, file in enumerate(local_plugin_files(domain)):
        if not file.is_file():
            problems.append(problem_at(domain, ("plugins", index), f"plugin {file} does not exist"))
            continue
        try:
            import_domain_plugin(domain, file.resolve())
        except PluginError as exc:
            log.debug("plugin %s failed to import:\n%s", file, exc)
            key = (str(exc.file or file), exc.line, exc.detail)
            if key not in seen:  # a broken module imported by several plugin files
                seen.add(key)
                problems.append(Problem(_relative(exc.file or file, domain), exc.line, exc.column,
                                        f"plugin failed to import: {exc.detail}"))
    return problems


def _relative(file: Path, domain: Domain) -> Path:
    """``file`` as seen from the domain folder the user named (plugins are imported by absolute path)."""
    try:
        return domain.path / Path(file).resolve().relative_to(domain.path.resolve())
    except ValueError:
        return Path(file)


def pipeline_problems(domain: Domain) -> list[Problem]:
    specs = [(("nlu", i), "nlu", s) for i, s in enumerate(domain.pipeline.nlu)] + [
        (("dm",), "dm", domain.pipeline.dm), (("nlg",), "nlg", domain.pipeline.nlg),
        (("store",), "store", domain.pipeline.store),
    ] + [(("subscribers", i), "subscriber", s) for i, s in enumerate(domain.pipeline.subscribers)]
    problems = []
    for where, group, spec in specs:
        try:
            component_config(group, spec, domain)
        except PluginError as exc:
            problems.append(problem_at(domain, ("pipeline", *where), f"pipeline: {str(exc).split(chr(10) + 'Trace')[0]}"))
    return problems


def action_problems(domain: Domain) -> list[Problem]:
    actions, scope = registry("action"), domain_scope(domain.path)
    return [
        problem_at(domain, ("actions", name),
                   f"action {name!r} is declared but no plugin registers it "
                   f"(@action({name!r}) in plugins/).{suggest(name, actions.names(scope))}")
        for name in domain.actions if not actions.has(name, scope)
    ]


def test_problems(domain: Domain) -> list[Problem]:
    from dialogue.testing.checks import check_test_files
    from dialogue.testing.format import conversation_files

    return check_test_files(domain, conversation_files(domain.path))[1]
