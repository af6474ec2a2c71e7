"""A domain's ``knowledge/`` folder read into passages: Markdown sections and YAML question-answer pairs.

A passage is the smallest piece of text an answer may quote and cite: one paragraph or list
under a Markdown heading, or one YAML entry. Reading needs no model (Markdown through
markdown-it, YAML with positions), so ``dialogue validate`` checks a knowledge folder cheaply and
a broken file is reported with its line.

YAML files hold a list of entries::

    - q: How long is a gift card valid?          # one phrasing, or a list of them
      a: Gift cards are valid for 3 years from the day they are sent.
      title: Gift cards                          # optional; shown when the answer is cited
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from dialogue.domain.errors import DomainError, Problem
from dialogue.domain.model import Domain
from dialogue.domain.origin import Origin
from dialogue.domain.positions import load_yaml_with_positions, locate
from dialogue.domain.schema.base import Section

MARKDOWN_SUFFIXES = (".md", ".markdown")
YAML_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Passage:
    """One citeable piece of knowledge."""

    id: str  # "returns.md:12": file and line, stable while the file is unchanged above it
    title: str  # heading trail ("Returns › Refunds") or the entry's title / first question
    text: str  # what an answer quotes, as written
    source: str  # file, relative to the knowledge folder
    line: int
    questions: tuple[str, ...] = ()  # phrasings a YAML entry answers


class KnowledgeError(DomainError):
    """A knowledge file could not be read; every problem names its file and line."""


class QAEntry(Section):
    q: str | list[str] = Field(description="The question, or several phrasings of it.")
    a: str = Field(min_length=1, description="The answer, as the bot may say it.")
    title: str | None = None

    @field_validator("q")
    @classmethod
    def _questions(cls, value: str | list[str]) -> str | list[str]:
        items = [value] if isinstance(value, str) else value
        if not items or any(not str(item).strip() for item in items):
            raise ValueError("needs at least one non-empty question")
        return value


def knowledge_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (*MARKDOWN_SUFFIXES, *YAML_SUFFIXES))


def load_knowledge(folder: Path) -> list[Passage]:
    """Every passage of every file in ``folder``; raises ``KnowledgeError`` listing all problems."""
    passages: list[Passage] = []
    problems: list[Problem] = []
    for file in knowledge_files(folder):
        source = file.relative_to(folder).as_posix()
        try:
            if file.suffix.lower() in MARKDOWN_SUFFIXES:
                passages.extend(read_markdown(file.read_text(encoding="utf-8"), source))
            else:
                passages.extend(read_qa(file, source))
        except DomainError as exc:
            problems.extend(exc.problems)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(file, None, None, f"cannot read knowledge file: {exc}"))
    if problems:
        raise KnowledgeError(problems)
    return passages


def read_qa(file: Path, source: str) -> list[Passage]:
    data, positions = load_yaml_with_positions(file)
    if data is None:
        return []
    if not isinstance(data, list):
        raise KnowledgeError([Problem(file, 1, 1, "a knowledge YAML file is a list of entries with q: and a:")])
    passages, problems = [], []
    for i, raw in enumerate(data):
        line, column = locate(positions, (i,))
        try:
            entry = QAEntry.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "entry"
                problems.append(Problem(file, line, column, f"knowledge entry {i + 1}: {where}: {error['msg']}"))
            continue
        questions = tuple(q.strip() for q in ([entry.q] if isinstance(entry.q, str) else entry.q))
        passages.append(Passage(id=f"{source}:{line}", title=(entry.title or questions[0]).strip(), text=entry.a.strip(),
                                source=source, line=line or 0, questions=questions))
    if problems:
        raise KnowledgeError(problems)
    return passages


def read_markdown(text: str, source: str) -> list[Passage]:
    """One passage per paragraph, list or table row block, titled with the headings above it."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    lines = text.splitlines()
    trail: list[tuple[int, str]] = []  # (level, heading)
    passages: list[Passage] = []
    depth = 0  # nesting of blocks already taken whole (a list inside a list, a paragraph in a list item)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            trail = [(lv, t) for lv, t in trail if lv < level] + [(level, tokens[i + 1].content.strip())]
            continue
        if token.type in ("bullet_list_open", "ordered_list_open", "table_open", "blockquote_open"):
            depth += 1
            if depth == 1 and token.map:
                body = _plain("\n".join(lines[token.map[0] : token.map[1]]))
                passages.append(_passage(body, trail, source, token.map[0] + 1))
            continue
        if token.type in ("bullet_list_close", "ordered_list_close", "table_close", "blockquote_close"):
            depth -= 1
            continue
        if token.type == "paragraph_open" and depth == 0 and token.map:
            passages.append(_passage(_plain(tokens[i + 1].content), trail, source, token.map[0] + 1))
    return [p for p in passages if p.text]


def _passage(text: str, trail: list[tuple[int, str]], source: str, line: int) -> Passage:
    # a top heading above deeper ones is the document's title ("Shop policies"): it names every
    # passage of the file, so it says nothing about this one
    shown = [t for level, t in trail if level > 1] or [t for _, t in trail]
    title = " › ".join(shown) or Path(source).stem.replace("_", " ").replace("-", " ").capitalize()
    return Passage(id=f"{source}:{line}", title=title, text=text, source=source, line=line)


def _plain(markdown: str) -> str:
    """Markdown source as plain sentences: emphasis and link syntax dropped, list items one per line."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # [text](url) → text
    text = re.sub(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "- ", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*>\s?", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*\|?[\s:|-]+\|[\s:|-]*$", "", text, flags=re.MULTILINE)  # table rule lines
    text = re.sub(r"[ \t]+", " ", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def knowledge_problems(folder: Path) -> list[Problem]:
    """Problems of a knowledge folder, for ``dialogue validate`` (an empty list when it reads cleanly)."""
    try:
        passages = load_knowledge(folder)
    except DomainError as exc:
        return exc.problems
    if not passages:
        return [Problem(folder, None, None, "the knowledge folder has no passages (Markdown paragraphs or YAML q/a entries)")]
    return []


def check_knowledge(domain: Domain, origin: Origin) -> list[Problem]:
    """The domain's knowledge folder reads cleanly; contributed to every domain load (``dialogue.builtins``)."""
    return knowledge_problems(domain.knowledge_dir) if domain.knowledge_dir is not None else []
