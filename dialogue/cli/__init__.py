"""The ``dialogue`` command. Each sub-command lives in its own module with a ``register`` function.

Only light modules are imported here, so ``dialogue --help`` starts fast; a command imports what
it needs (torch, spaCy, the server) when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = ("init", "validate", "train", "chat", "test", "evaluate", "serve", "worker", "dead-letters", "plugins", "schema",
            "importer")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialogue",
        description="Build, train, test and serve task-oriented chatbots from YAML domains.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module_name = f"dialogue.cli.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # not built yet: not listed
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
