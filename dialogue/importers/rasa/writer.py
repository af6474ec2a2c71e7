"""Write a converted project as a dialogue domain folder: YAML files, plugins, tests and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dialogue.importers.rasa.convert import Converted

HEADER = "# Imported from a Rasa project by `dialogue import rasa`; see IMPORT_REPORT.md for what changed.\n"


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the order written, long lines kept whole, 'yes'/'no' quoted (YAML 1.1 readers)."""


def _str(dumper: yaml.SafeDumper, value: str) -> Any:
    style = '"' if value.lower() in ("yes", "no", "on", "off", "y", "n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)


def write_domain(converted: Converted, out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    converted.files["domain.yml"] = {"version": 1, "name": out.resolve().name,
                                     **{k: v for k, v in converted.files["domain.yml"].items() if k != "version"}}
    for name, sections in converted.files.items():
        if sections:
            (out / name).write_text(HEADER + dump(sections), encoding="utf-8")
    for name, source in converted.code.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    if converted.tests:
        (out / "tests").mkdir(exist_ok=True)
        (out / "tests" / "test_stories.yml").write_text(
            "# Rasa's tests/test_stories.yml as conversation tests (docs/conversation-tests.md).\n"
            + dump({"tests": converted.tests}), encoding="utf-8")
    (out / "IMPORT_REPORT.md").write_text(converted.report.markdown(), encoding="utf-8")
