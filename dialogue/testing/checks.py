"""Check the names a domain's conversation tests use (intents, responses, slots, entities, events).

A misspelt name in a test would otherwise show up only as a failing test, after training;
``dialogue validate`` and ``dialogue test`` report it up front with file:line:column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialogue.domain.errors import DomainError, Problem
from dialogue.domain.model import Domain
from dialogue.domain.positions import load_yaml_with_positions, locate
from dialogue.messages import Event
from dialogue.registry import suggest
from dialogue.testing.format import LoadedCase, load_cases


def event_kinds() -> list[str]:
    """Every event kind a test can expect (the ``kind`` of each ``Event`` subclass)."""
    kinds: list[str] = []
    pending = list(Event.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        default = cls.model_fields["kind"].default
        if isinstance(default, str):
            kinds.append(default)
    return sorted(kinds)


def check_test_files(domain: Domain, files: list[Path]) -> tuple[list[LoadedCase], list[Problem]]:
    """Load the test files and check every name they use against the domain; all problems, not the first."""
    cases: list[LoadedCase] = []
    problems: list[Problem] = []
    for file in files:
        if not file.is_file():
            problems.append(Problem(file, None, None, "no such file"))
            continue
        try:
            loaded = load_cases(file)
        except DomainError as exc:
            problems.extend(exc.problems)
            continue
        cases.extend(loaded)
        _, positions = load_yaml_with_positions(file)
        problems.extend(_check_names(domain, file, positions, loaded))
    return cases, problems


def _check_names(domain: Domain, file: Path, positions: Any, cases: list[LoadedCase]) -> list[Problem]:
    problems: list[Problem] = []
    kinds = event_kinds()

    def missing(kind: str, name: str, known: list[str], path: tuple[str | int, ...]) -> None:
        if name not in known:
            line, column = locate(positions, path)
            problems.append(Problem(file, line, column, f"test uses {kind} {name!r}, which the domain does not "
                                                        f"define.{suggest(name, known)}"))

    for i, loaded in enumerate(cases):
        for j, step in enumerate(loaded.case.steps):
            at: tuple[str | int, ...] = ("tests", i, "steps", j)
            if step.intent is not None:
                missing("intent", step.intent, domain.intent_names, at + ("intent",))
            for k, expected in enumerate(step.bot or []):
                if expected.response is not None:
                    missing("response", expected.response, list(domain.responses), at + ("bot", k))
            for name in step.slots or {}:
                missing("slot", name, list(domain.slots), at + ("slots", name))
            for name in step.entities or []:
                missing("entity", name, list(domain.entities), at + ("entities", name)
                        if isinstance(step.entities, dict) else at + ("entities",))
            for k, event in enumerate(step.events or []):
                missing("event kind", event.kind, kinds, at + ("events", k))
    return problems
