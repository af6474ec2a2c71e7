"""``docs/reference.md``: every domain key, component option and conversation-test key, from the models.

Regenerate with ``dialogue schema --reference docs/reference.md``; ``tests/core/test_reference.py``
fails when the file differs from what the models say.
"""

from __future__ import annotations

import sys
from typing import Any

from dialogue.builtins import BUILTINS
from dialogue.domain.schema import DomainFile
from dialogue.reference.models import Table, summary, tables
from dialogue.registry import registry
from dialogue.testing.format import ConversationFile

INTRO = """\
# Reference

Every key of a domain's YAML files, every option of the built-in components and every key of a
conversation test, with its type, default and meaning. This page is generated from the pydantic
models that validate those files (`dialogue schema --reference docs/reference.md`), and a test
fails when it is out of date. `dialogue schema` writes the same information as JSON Schema for
editors (see [Editor support](#editor-support)). Behaviour is explained in the guides:
[NLU](nlu.md), [dialogue manager](dm.md), [NLG](nlg.md), [conversation tests](conversation-tests.md),
[serving](serving.md).

A key whose type is a list also takes a single value where the meaning says so (`intent: greet`
for `intent: [greet]`); `null` means "not set".
"""

EDITOR = """\
## Editor support

```bash
dialogue schema -o .schema        # writes .schema/domain.schema.json and .schema/tests.schema.json
```

Editors with the YAML language server (VS Code's YAML extension, Neovim's yamlls, JetBrains IDEs)
then complete and check keys. Point a file at its schema with a first line such as
`# yaml-language-server: $schema=.schema/domain.schema.json` (a bot made by `dialogue init` has
these lines and its own `.schema/` folder), or map whole folders in the editor's settings:

```json
"yaml.schemas": {
  ".schema/domain.schema.json": ["domains/*/*.yml"],
  ".schema/tests.schema.json": ["domains/*/tests/*.yml"]
}
```

The domain schema includes the options of the built-in components and of installed plugin
packages; a component it does not know is accepted with any options (`dialogue validate` checks them).
"""

#: pipeline groups documented, in order, with a heading each
GROUPS = (("nlu", "NLU components (`pipeline.nlu`)"), ("dm", "Dialogue manager (`pipeline.dm`)"),
          ("nlg", "Realisers (`pipeline.nlg`)"), ("generator", "Generation backends (`generation.backend`)"),
          ("store", "Tracker stores (`pipeline.store`)"), ("subscriber", "Bus subscribers (`pipeline.subscribers`)"))


def domain_tables() -> list[Table]:
    return tables(DomainFile, "(top level)")


def conversation_test_tables() -> list[Table]:
    return tables(ConversationFile, "(top level)")


def component_tables() -> list[tuple[str, str, Table | None, Any]]:
    """(group, name, options table or None, component class) for every built-in component."""
    found = []
    for group, _ in GROUPS:
        for name in sorted(BUILTINS.get(group, {})):
            cls = registry(group).get(name)
            config = getattr(cls, "Config", None)
            table = tables(config, f"{group}: {name}")[0] if config is not None and config.model_fields else None
            found.append((group, name, table, cls))
    return found


def render() -> str:
    parts = [INTRO, "## Domain files\n",
             "A domain is a folder of YAML files; each file may hold any of the sections below, and a folder's "
             "files are merged (a name defined twice, or `pipeline`/`settings`/`generation` in two files, is an "
             "error). `tests/`, `data/` and `plugins/` are not read as domain files.\n"]
    parts.extend(_table(t, "###") for t in domain_tables())
    parts.append("## Component options\n\nUnder `pipeline:`, a component is a name (`- tfidf_intent`) or a "
                 "mapping with `use:` and its options (`- use: fallback` / `  threshold: 0.5`). Unknown options "
                 "are errors. `dialogue plugins` lists every component installed, plugins included.\n")
    current = None
    for group, name, table, cls in component_tables():
        if group != current:
            parts.append(f"### {dict(GROUPS)[group]}\n")
            current = group

        about = summary(cls.__dict__.get("__doc__") or sys.modules[cls.__module__].__doc__)
        target = BUILTINS[group][name]
        heading = f"#### `{name}`\n\n{about + ' ' if about else ''}(`{target}`)\n"
        parts.append(heading + ("\n" + _rows(table) if table else "\nNo options.\n"))
    parts.append("## Conversation test files\n\nThe YAML files in a domain's `tests/` folder "
                 "([guide](conversation-tests.md)).\n")
    parts.extend(_table(t, "###") for t in conversation_test_tables())
    parts.append(EDITOR)
    return "\n".join(parts).rstrip() + "\n"


def _escape(text: str) -> str:
    """Table-cell Markdown: literal brackets, stars and bars; rST literals as code."""
    text = text.replace("``", "`").replace("\n", " ")
    for char in "|[]*":
        text = text.replace(char, "\\" + char)
    return text


def _table(table: Table, level: str) -> str:
    title = "Top level" if table.title == "(top level)" else ", ".join(f"`{t}`" for t in table.title.split(", "))
    doc = f"{table.doc}\n\n" if table.doc else ""
    return f'{level} {title} <a id="{table.anchor}"></a>\n\n{doc}{_rows(table)}'


def _rows(table: Table) -> str:
    lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for row in table.rows:
        meaning = _escape(row.meaning)
        lines.append(f"| `{row.key}` | {row.type} | {row.default.replace('|', chr(92) + '|')} | {meaning} |")
    return "\n".join(lines) + "\n"
