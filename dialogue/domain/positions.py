"""YAML loading that remembers where each value came from, for precise error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dialogue.domain.errors import DomainError, Problem

#: path of keys/indexes inside a document → (line, column), both 1-based
Positions = dict[tuple[str | int, ...], tuple[int, int]]


class _SafeLoader(yaml.SafeLoader):
    """Safe loader that treats 'yes'/'no'/'on'/'off' as strings (YAML 1.2 booleans only)."""


_SafeLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml_with_positions(path: Path) -> tuple[Any, Positions]:
    """Parse one YAML file; raise ``DomainError`` naming file, line and column on bad syntax."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise DomainError([syntax_problem(path, text, exc)]) from exc
    if node is None:
        return None, {}
    positions: Positions = {}
    loader = _SafeLoader("")
    return _construct(node, (), positions, loader), positions


def syntax_problem(path: Path, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """PyYAML's complaint, where it happened, the line itself and what usually fixes it."""
    unclosed = "quoted scalar" in (exc.context or "")
    mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    lines = text.splitlines()
    closing_here = line is not None and line <= len(lines) and '"' in lines[line - 1]  # where a runaway quote would end
    runaway = _runaway_quote(lines, line) if closing_here and not unclosed else None
    if runaway is not None:  # point at the cause, not at where YAML noticed
        line, column = runaway
    source = lines[line - 1] if line and line <= len(lines) else ""
    message = f"invalid YAML: {what}"
    hint = ("this quote is never closed on its line, so YAML read on to a later quote; close it (or quote the "
            "whole value)." if runaway is not None else yaml_hint(exc, source))
    if hint:
        message += f". Hint: {hint}"
    if source.strip():
        message += f"\n    {source.rstrip()}" + (f"\n    {' ' * (column - 1)}^" if column else "")
    return Problem(path, line, column, message)


def _runaway_quote(lines: list[str], line: int | None) -> tuple[int, int] | None:
    """Line and column of a double quote opened on an earlier line and never closed there: a far-away cause."""
    for number in range((line or 1) - 1, 0, -1):
        text = lines[number - 1].replace('\\"', "  ")
        code = text.split(" #", 1)[0]
        if code.count('"') % 2:
            return number, code.index('"') + 1
    return None


def yaml_hint(exc: yaml.MarkedYAMLError, source: str) -> str:
    """The usual cause of a PyYAML error on this line, in the words of someone writing a domain."""
    problem, context = exc.problem or "", exc.context or ""
    item = source.strip()
    value = item[1:].strip() if item.startswith("-") else item.partition(": ")[2].strip() if ": " in item else item
    if "\\t" in problem or "\t" in problem:
        return "indent with spaces; YAML does not allow tabs."
    if "quoted scalar" in context:
        return "a quote opened on this line is never closed."
    if value[:1] in ("[", "{") and "block" in context:
        quoted = '"' + value.replace('"', '\\"') + '"'
        return (f"a value that starts with '{value[0]}' is read as a YAML "
                f"{'list' if value[0] == '[' else 'mapping'}; quote the whole value: {quoted}.")
    if "flow mapping" in context or "flow sequence" in context:
        return ("inside [...] or {...}, put a value in quotes when it contains ':', '?', '#', ',' or brackets, "
                'e.g. {title: "What can you do?", payload: /help}.')
    if "alias" in context or "anchor" in context or "cannot start any token" in problem:
        first = value[:1] or "this character"
        return f"a value cannot start with '{first}' in YAML unless it is quoted: \"{value}\"."
    if "expected <block end>" in problem or "could not find expected ':'" in problem:
        return ("this line's indentation does not match the lines above it (items of one list or keys of one "
                "mapping line up), or a 'key: value' line is missing its ':'.")
    return ""


def _construct(node: yaml.Node, path: tuple[str | int, ...], positions: Positions, loader: _SafeLoader) -> Any:
    # a mapping entry keeps its key's position: "line of the key" reads best in messages
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                key = str(key)
            if key in result:
                raise DomainError(
                    [Problem(None, key_node.start_mark.line + 1, key_node.start_mark.column + 1, f"duplicate key {key!r}")]
                )
            positions[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _construct(value_node, path + (key,), positions, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, path + (i,), positions, loader) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def locate(positions: Positions, path: tuple[str | int, ...]) -> tuple[int | None, int | None]:
    """Position of ``path``, or of its nearest ancestor that has one."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in positions:
            return positions[path[:cut]]
    return None, None
