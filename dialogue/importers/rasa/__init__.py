"""Convert a Rasa 3.x project into a dialogue domain folder, with a report of what did not carry over.

``import_rasa(project, out)`` reads the project (``config.yml``, ``domain.yml`` or ``domain/``,
``data/``, ``tests/``, ``actions/``) with ``project``, converts it piece by piece (``pipeline``,
``domain``, ``nlu``, ``flows``, ``conversations``, ``actions``) and writes it with ``writer``.
Everything that could not be converted, or only approximately, is a ``Note`` in the report.
"""

from __future__ import annotations

from pathlib import Path

from dialogue.importers.rasa.convert import convert
from dialogue.importers.rasa.project import read_project
from dialogue.importers.rasa.report import Report
from dialogue.importers.rasa.writer import write_domain


def import_rasa(project: str | Path, out: str | Path) -> Report:
    """Convert ``project`` into the new domain folder ``out`` (which must not exist or be empty)."""
    source = read_project(Path(project))
    converted = convert(source)
    write_domain(converted, Path(out))
    return converted.report


__all__ = ["Report", "import_rasa"]
