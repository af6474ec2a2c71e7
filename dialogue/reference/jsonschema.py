"""JSON Schemas of the domain files and conversation-test files, for editors with the YAML language server.

The schemas come from the same pydantic models that validate the files, with what the
validators accept beyond the plain model added: shorthands (a bare list of examples, a bare
response text, a component by name), single values for list fields (``intent: greet``), and
under ``pipeline:`` the options of each component by its ``use:`` name.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from dialogue.catalog import entries, load
from dialogue.domain.schema import DomainFile
from dialogue.reference.models import tables
from dialogue.testing.format import ConversationFile

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DOMAIN_SCHEMA = "domain.schema.json"
TESTS_SCHEMA = "tests.schema.json"
#: pipeline keys → registry group and whether the key holds a list
PIPELINE_GROUPS = {"nlu": ("nlu", True), "dm": ("dm", False), "nlg": ("nlg", False), "store": ("store", False),
                   "subscribers": ("subscriber", True)}


def component_configs(kinds: tuple[str, ...] = ("built-in", "entry point", "local")) -> dict[str, dict[str, Any]]:
    """group → {name: Config class, or None when the component could not be imported}."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries():
        if entry.kind in kinds:
            cls, _ = load(entry)
            found.setdefault(entry.group, {})[entry.name] = getattr(cls, "Config", None) if cls is not None else None
    return found


def domain_schema(configs: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The schema every domain YAML file validates against (all sections optional in one file)."""
    configs = component_configs() if configs is None else configs
    schema = _model_schema(DomainFile, "dialogue domain file",
                           "One YAML file of a dialogue domain folder; sections merge across the folder's files.")
    pipeline = schema["$defs"]["PipelineSpec"]["properties"]
    for key, (group, many) in PIPELINE_GROUPS.items():
        choice = _component_choice(schema["$defs"], group, configs.get(group, {}))
        pipeline[key] = {**{k: v for k, v in pipeline[key].items() if k in ("description", "default")},
                         **({"type": "array", "items": choice} if many else choice)}
    return schema


def conversation_tests_schema() -> dict[str, Any]:
    return _model_schema(ConversationFile, "dialogue conversation tests",
                         "A conversation test file (tests/*.yml of a dialogue domain).")


def write_schemas(folder: Path, configs: dict[str, dict[str, Any]] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in ((DOMAIN_SCHEMA, domain_schema(configs)), (TESTS_SCHEMA, conversation_tests_schema())):
        path = folder / name
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _model_schema(root: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    schema = root.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    defs[root.__name__] = {k: v for k, v in schema.items() if k != "$defs"}
    for table in tables(root, ""):
        _extend(defs, table.model)
    return {"$schema": DIALECT, "title": title, "description": description, "$ref": f"#/$defs/{root.__name__}",
            "$defs": defs}


def _extend(defs: dict[str, Any], model: type[BaseModel]) -> None:
    """Add what the model's validators accept beyond its fields: single values for lists, a shorthand form."""
    name = model.__name__
    if name not in defs:
        return
    obj = defs[name]
    for key in getattr(model, "one_or_many", ()):
        prop = obj.get("properties", {}).get(key)
        if prop is not None:
            one = prop.get("items") or next((a.get("items") for a in prop.get("anyOf", []) if "items" in a), None)
            if one is not None:
                obj["properties"][key] = {"anyOf": [one, {k: v for k, v in prop.items() if k != "description"}],
                                          **({"description": prop["description"]} if "description" in prop else {})}
    written = getattr(model, "written_form", None)
    if written is not None:
        obj = {**written, **{k: obj[k] for k in ("title", "description") if k in obj}}
    shorthand = getattr(model, "shorthand", None)
    if shorthand is not None:
        obj = {"anyOf": [shorthand, obj], **{k: obj[k] for k in ("title", "description") if k in obj}}
    defs[name] = obj


def _component_choice(defs: dict[str, Any], group: str, configs: dict[str, Any]) -> dict[str, Any]:
    """A component of ``group``: a bare name, ``{use: name, <its options>}``, or a plugin's unknown to this schema."""
    names = sorted(configs)
    choices: list[dict[str, Any]] = [{"anyOf": [{"enum": names}, {"type": "string"}],
                                      "description": "a component by name, with default options"}]
    for name in names:
        config = configs[name]
        if config is None:  # could not be imported here (a missing extra): any options
            choices.append({"type": "object", "properties": {"use": {"const": name}}, "required": ["use"]})
            continue
        options = _inline(config.model_json_schema(by_alias=True), defs, f"{group}.{name}.")
        properties = {"use": {"const": name, "description": f"the {group} component {name}"},
                      **options.get("properties", {})}
        choice = {"type": "object", "properties": properties, "required": ["use"], "additionalProperties": False}
        doc = (getattr(config, "__doc__", None) or "").strip()
        if doc and not doc.startswith("Base for every"):
            choice["description"] = doc.split("\n\n")[0]
        choices.append(choice)
    choices.append({"type": "object", "required": ["use"],
                    "properties": {"use": {"type": "string", "not": {"enum": names}}},
                    "description": "a plugin component this schema does not know: any options"})
    return {"anyOf": choices}


def _inline(schema: dict[str, Any], defs: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Move a sub-schema's ``$defs`` into the root's under ``prefix`` and point its references there."""
    schema = copy.deepcopy(schema)
    local = schema.pop("$defs", {})
    text = json.dumps(schema)
    for name, sub in local.items():
        sub_text = json.dumps(sub)
        for other in local:
            sub_text = sub_text.replace(f'"#/$defs/{other}"', f'"#/$defs/{prefix}{other}"')
        defs[prefix + name] = json.loads(sub_text)
        text = text.replace(f'"#/$defs/{name}"', f'"#/$defs/{prefix}{name}"')
    inlined: dict[str, Any] = json.loads(text)  # the text of a dict
    return inlined
