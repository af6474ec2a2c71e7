"""Validation problems that point at a file, a line and a column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: Path | None
    line: int | None  # 1-based
    column: int | None  # 1-based
    message: str

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<domain>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class DomainError(Exception):
    """A domain failed to load; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
