"""Where each named item of a merged domain was defined, so checks can point at its file and line."""

from __future__ import annotations

from pathlib import Path

from dialogue.domain.errors import Problem
from dialogue.domain.positions import Positions, locate


class Origin:
    """Where each named item was defined, so later checks can point at the right line."""

    def __init__(self) -> None:
        self.items: dict[tuple[str | int, ...], tuple[Path, Positions, tuple[str | int, ...]]] = {}

    def add(self, key: tuple[str | int, ...], file: Path, positions: Positions, path: tuple[str | int, ...]) -> None:
        self.items[key] = (file, positions, path)

    def problem(self, key: tuple[str | int, ...], sub: tuple[str | int, ...], message: str) -> Problem:
        if key not in self.items:
            return Problem(None, None, None, message)
        file, positions, path = self.items[key]
        line, column = locate(positions, path + sub)
        return Problem(file, line, column, message)

    def written_keys(self, key: tuple[str | int, ...]) -> set[str | int]:
        """The keys written in the YAML directly under ``key`` (so a check can tell a default from a choice)."""
        if key not in self.items:
            return set()
        _, positions, path = self.items[key]
        return {p[len(path)] for p in positions if len(p) > len(path) and p[: len(path)] == path}
