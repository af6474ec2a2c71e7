"""``dialogue schema``: JSON Schemas of the YAML files for editors, and the Markdown reference."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "schema",
        help="write JSON Schemas of the domain and test files (editor completion), or the reference",
        description="Print the JSON Schema of domain YAML files (or of conversation tests with --tests), or "
        "write both into a folder with -o. Editors with the YAML language server use them to complete and check "
        "keys (see docs/reference.md#editor-support). --reference writes the Markdown reference of every key.",
    )
    parser.add_argument("-o", "--output", metavar="DIR", help="write domain.schema.json and tests.schema.json into DIR")
    parser.add_argument("--tests", action="store_true", help="print the conversation-test schema instead")
    parser.add_argument("--domain", metavar="DOMAIN",
                        help="also describe the components this domain's own plugins register")
    parser.add_argument("--reference", metavar="FILE.md", help="write the Markdown reference (docs/reference.md)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from dialogue.reference.jsonschema import component_configs, conversation_tests_schema, domain_schema, write_schemas

    if args.domain:
        from dialogue.components import load_local_plugins
        from dialogue.domain import DomainError, load_domain
        from dialogue.registry import PluginError

        try:
            load_local_plugins(load_domain(args.domain))
        except (DomainError, PluginError) as exc:
            print(f"error: {args.domain}: {exc}\n(run `dialogue validate {args.domain}`)", file=sys.stderr)
            return 1
    if args.reference:
        from dialogue.reference.markdown import render

        Path(args.reference).write_text(render(), encoding="utf-8")
        print(f"wrote {args.reference}", file=sys.stderr)
        return 0
    if args.output:
        for path in write_schemas(Path(args.output), component_configs()):
            print(f"wrote {path}", file=sys.stderr)
        print("Point a YAML file at its schema with a first line like\n"
              f"  # yaml-language-server: $schema={Path(args.output) / 'domain.schema.json'}\n"
              "(relative to the file), or map folders in the editor's settings; see docs/reference.md#editor-support.",
              file=sys.stderr)
        return 0
    schema = conversation_tests_schema() if args.tests else domain_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0
