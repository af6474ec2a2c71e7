"""What an import could not convert, or converted only approximately, and why: ``IMPORT_REPORT.md``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Note:
    topic: str  #: "pipeline", "domain", "nlu", "rules", "stories", "tests", "actions"
    where: str  #: the Rasa file and item, e.g. "config.yml: DIETClassifier"
    what: str  #: what happened and why, and what to do about it
    kind: str = "not converted"  #: "not converted", "approximated" or "to do"


@dataclass
class Report:
    project: str
    notes: list[Note] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, topic: str, where: str, what: str, kind: str = "not converted") -> None:
        note = Note(topic, where, what, kind)
        if note not in self.notes:
            self.notes.append(note)

    def of_kind(self, kind: str) -> list[Note]:
        return [n for n in self.notes if n.kind == kind]

    def markdown(self) -> str:
        lines = [f"# Import report: {self.project}", "",
                 "Made by `dialogue import rasa`. Converted: " + ", ".join(f"{v} {k}" for k, v in self.counts.items())
                 + ".", "",
                 "Next: fill in the custom actions listed under *to do*, then `dialogue validate .` and "
                 "`dialogue test .` (the Rasa test stories are in `tests/`).", ""]
        for kind, title in (("to do", "To do"), ("not converted", "Not converted"), ("approximated", "Approximated")):
            notes = self.of_kind(kind)
            if not notes:
                continue
            lines += [f"## {title}", "", "| topic | where | what and why |", "| --- | --- | --- |"]
            lines += [f"| {n.topic} | {_cell(n.where)} | {_cell(n.what)} |" for n in notes]
            lines.append("")
        return "\n".join(lines)

    def summary(self) -> str:
        return (f"{len(self.of_kind('to do'))} to do, {len(self.of_kind('not converted'))} not converted, "
                f"{len(self.of_kind('approximated'))} approximated")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
