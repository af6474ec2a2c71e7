"""Read labelled NLU data from the formats people already have it in.

``read_training_data(path, format)`` returns ``TrainingData`` from: the project's own domain
YAML (a domain folder or one NLU yaml file), the JointBERT folder format (``seq.in``,
``seq.out``, ``label``), CSV (``text`` and ``label`` columns) or Rasa NLU YAML. Malformed
input raises ``ReaderError`` naming the file and line.
"""

from __future__ import annotations

from pathlib import Path

from dialogue.domain.examples import TrainingData
from dialogue.nlu.readers.errors import ReaderError

FORMATS = ("yaml", "jointbert", "csv", "rasa")


def detect_format(path: Path) -> str:
    """Guess the format from the path: folder with seq.in → jointbert, .csv → csv, ``nlu:`` key → rasa."""
    if path.is_dir():
        return "jointbert" if (path / "seq.in").is_file() else "yaml"
    if path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
    if path.suffix.lower() in (".yml", ".yaml"):
        head = path.read_text(encoding="utf-8", errors="replace")
        if any(line.startswith("nlu:") for line in head.splitlines()):
            return "rasa"
        return "yaml"
    raise ReaderError(path, None, "cannot tell the format from the name; pass --format yaml|jointbert|csv|rasa")


def read_training_data(path: str | Path, format: str | None = None) -> TrainingData:
    path = Path(path)
    if not path.exists():
        raise ReaderError(path, None, "no such file or folder")
    fmt = format or detect_format(path)
    if fmt == "yaml":
        from dialogue.nlu.readers.domain_yaml import read_domain_yaml

        return read_domain_yaml(path)
    if fmt == "jointbert":
        from dialogue.nlu.readers.jointbert import read_jointbert

        return read_jointbert(path)
    if fmt == "csv":
        from dialogue.nlu.readers.csv_reader import read_csv

        return read_csv(path)
    if fmt == "rasa":
        from dialogue.nlu.readers.rasa import read_rasa

        return read_rasa(path)
    raise ReaderError(path, None, f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "ReaderError", "detect_format", "read_training_data"]
