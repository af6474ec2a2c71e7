"""Find where a loaded domain defines something (``actions.x``, ``pipeline.nlu.2``), for file:line messages.

Checks that run after loading (plugins, pipeline parameters, test files) have the ``Domain``,
not the loader's positions; this re-reads the domain's files, which is cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialogue.domain.errors import DomainError, Problem
from dialogue.domain.model import Domain
from dialogue.domain.positions import load_yaml_with_positions, locate


def definition(domain: Domain, path: tuple[str | int, ...]) -> tuple[Path | None, int | None, int | None]:
    """The file, line and column of ``path`` (or of its deepest part that exists) in the domain's files."""
    best: tuple[int, Path | None, int | None, int | None] = (-1, None, None, None)
    for file in domain.files:
        try:
            data, positions = load_yaml_with_positions(file)
        except DomainError:
            continue
        depth = _depth(data, path)
        if depth > best[0] and depth > 0:
            line, column = locate(positions, path[:depth])
            best = (depth, file, line, column)
    return best[1], best[2], best[3]


def problem_at(domain: Domain, path: tuple[str | int, ...], message: str) -> Problem:
    file, line, column = definition(domain, path)
    return Problem(file or domain.path, line, column, message)


def _depth(data: Any, path: tuple[str | int, ...]) -> int:
    """How many leading parts of ``path`` exist in ``data``."""
    node = data
    for depth, part in enumerate(path):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return depth
    return len(path)
