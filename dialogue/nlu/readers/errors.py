"""The one error every reader raises: which file, which line, what is wrong."""

from __future__ import annotations

from pathlib import Path


class ReaderError(ValueError):
    def __init__(self, file: Path | str, line: int | None, message: str) -> None:
        self.file = Path(file)
        self.line = line
        self.message = message
        where = f"{self.file}:{line}" if line is not None else str(self.file)
        super().__init__(f"{where}: {message}")
