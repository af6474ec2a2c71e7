"""``dialogue init FOLDER --from PACK``: start a new bot from a shipped domain pack."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

PACKS_DIR = Path(__file__).resolve().parents[2] / "domains"


def shipped_packs() -> list[str]:
    return sorted(p.name for p in PACKS_DIR.iterdir() if (p / "domain.yml").is_file()) if PACKS_DIR.is_dir() else []


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("init", help="scaffold a new bot folder from a shipped domain pack")
    parser.add_argument("folder", help="new folder to create")
    parser.add_argument("--from", dest="pack", default="customer_service", help="pack to start from (default: customer_service)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from dialogue.registry import suggest

    console = Console()
    packs = shipped_packs()
    if args.pack not in packs:
        console.print(f"[red]error[/red] no pack {args.pack!r}.{suggest(args.pack, packs)} Packs: {', '.join(packs)}")
        return 2
    target = Path(args.folder)
    if target.exists() and any(target.iterdir()):
        console.print(f"[red]error[/red] {target} exists and is not empty; choose a new folder")
        return 2
    shutil.copytree(
        PACKS_DIR / args.pack, target, dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".dialogue", "__pycache__", "*.pyc"),
    )
    console.print(f"[green]created[/green] {target} from the {args.pack} pack. Next:\n"
                  f"  dialogue validate {target}\n  dialogue train {target}\n  dialogue chat {target}")
    return 0
