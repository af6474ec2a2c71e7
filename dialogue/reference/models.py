"""Walk pydantic models into reference tables: every key with its type, default and meaning."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dialogue.reference.glossary import MEANINGS


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    default: str
    meaning: str
    source: str  #: "description", "comment", "glossary" or "" (no meaning found)


@dataclass
class Table:
    title: str  #: where the keys are written, e.g. ``slots.<name>.fill[]``
    model: type[BaseModel]
    rows: list[Row] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return anchor(self.model)

    @property
    def doc(self) -> str:
        return summary(self.model.__dict__.get("__doc__"))


def summary(doc: str | None) -> str:
    """The first paragraph of a docstring on one line, reStructuredText literals as Markdown."""
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split()).replace("``", "`")


def anchor(model: type[BaseModel]) -> str:
    return f"{model.__module__}.{model.__qualname__}".replace(".", "-").replace("_", "-").lower()


def glossary_key(model: type[BaseModel], key: str) -> str:
    return f"{model.__module__}:{model.__qualname__}.{key}"


def tables(root: type[BaseModel], title: str, seen: set[type[BaseModel]] | None = None) -> list[Table]:
    """``root`` and every model reachable through its fields, each once, in reading order."""
    seen = set() if seen is None else seen
    found: dict[type[BaseModel], Table] = {}
    queue: list[tuple[type[BaseModel], str]] = [(root, title)]
    while queue:
        model, where = queue.pop(0)
        if model in found:
            found[model].title += f", {where}"  # reached another way too (a pipeline component)
            continue
        if model in seen:
            continue
        seen.add(model)
        table = found[model] = Table(where, model)
        for name, info in model.model_fields.items():
            key = info.alias or name
            table.rows.append(row(model, name, info))
            for nested, suffix in nested_models(info.annotation):
                queue.append((nested, join(where, key) + suffix))
    return list(found.values())


def join(where: str, key: str) -> str:
    return key if not where or where == "(top level)" else f"{where}.{key}"


def row(model: type[BaseModel], name: str, info: FieldInfo) -> Row:
    meaning, source = meaning_of(model, name, info)
    return Row(info.alias or name, type_name(info.annotation), default_of(info), meaning, source)


def meaning_of(model: type[BaseModel], name: str, info: FieldInfo) -> tuple[str, str]:
    if info.description:
        return info.description, "description"
    comment = field_comments(model).get(name)
    if comment:
        return comment[0].upper() + comment[1:], "comment"
    if glossary_key(model, name) in MEANINGS:
        return MEANINGS[glossary_key(model, name)], "glossary"
    return "", ""


@cache
def field_comments(model: type[BaseModel]) -> dict[str, str]:
    """``name: type = default  # comment`` lines in the class body → {name: comment}."""
    try:
        source = textwrap.dedent(inspect.getsource(model))
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    comments: dict[str, str] = {}
    body = ast.parse(source).body[0]
    assert isinstance(body, ast.ClassDef)
    for node in body.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.end_lineno is not None:
            line = lines[node.end_lineno - 1]
            if "#" in line[node.end_col_offset:]:
                comments[node.target.id] = line[node.end_col_offset:].split("#", 1)[1].strip()
    return comments


def nested_models(annotation: Any) -> list[tuple[type[BaseModel], str]]:
    """Models inside an annotation, with how they are reached: ``""``, ``[]`` (list item) or ``.<name>`` (map value)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, "")]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset):
        return [(m, "[]" + s) for arg in args for m, s in nested_models(arg)]
    if origin is dict and len(args) == 2:
        return [(m, ".<name>" + s) for m, s in nested_models(args[1])]
    return [(m, s) for arg in args for m, s in nested_models(arg)]


_SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def type_name(annotation: Any) -> str:
    if annotation is Any or annotation is None:
        return "any" if annotation is Any else "null"
    if annotation in _SIMPLE:
        return _SIMPLE[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{anchor(annotation)})"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_name(a) for a in args)
    if origin in (list, set, frozenset):
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is tuple:
        return "[" + ", ".join(type_name(a) for a in args if a is not Ellipsis) + "]"
    if origin is dict:
        return f"map of {type_name(args[0])} → {type_name(args[1])}" if args else "map"
    return getattr(annotation, "__name__", str(annotation))


def default_of(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    if value is PydanticUndefined:
        return "required"
    return "`" + plain(value) + "`"


def plain(value: Any) -> str:
    """A default as it would be written in YAML (components by name)."""
    if isinstance(value, BaseModel):
        dumped = value.model_dump(by_alias=True, exclude_defaults=True)
        return str(dumped["use"]) if set(dumped) == {"use"} else json.dumps(dumped)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)
