"""The one error every reader raises: which file, which line, what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ReaderError(ValueError):
    def __init__(self, file: Path | str, line: int | None, message: str) -> None:
        self.file = Path(file)
        self.line = line
        self.message = message
        where = f"{self.file}:{line}" if line is not None else str(self.file)
        super().__init__(f"{where}: {message}")


def read_yaml(path: Path) -> tuple[Any, dict[tuple[str | int, ...], tuple[int, int]]]:
    """YAML data plus the line of every key/item; bad syntax → ``ReaderError`` with the line."""
    from dialogue.domain.errors import DomainError
    from dialogue.domain.positions import load_yaml_with_positions

    try:
        return load_yaml_with_positions(path)
    except DomainError as exc:
        problem = exc.problems[0]
        raise ReaderError(path, problem.line, problem.message) from exc
