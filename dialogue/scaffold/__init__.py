"""Start a new bot folder: the blank bot, a shipped pack, or a copy of any domain folder.

The blank bot lives next to this module (``blank/``). The packs are the repository's
``domains/`` folder; a wheel carries them as ``dialogue/packs/`` (copied there by the build
step in ``setup.py``), so an installed package can start from them as well as a checkout.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from dialogue.domain.loader import domain_files
from dialogue.domain.positions import load_yaml_with_positions

BLANK = Path(__file__).resolve().parent / "blank"
#: what a copy leaves behind: trained models, conversations, caches
IGNORED = shutil.ignore_patterns(".dialogue", "__pycache__", "*.pyc", ".pytest_cache", "*.sqlite3")


class ScaffoldError(Exception):
    """The source or target folder cannot be used; says why."""


def packs_dir() -> Path | None:
    """Where the shipped packs are: inside the installed package, or the checkout's ``domains/``."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "packs", package.parent / "domains"):
        if candidate.is_dir():
            return candidate
    return None


def shipped_packs() -> list[str]:
    folder = packs_dir()
    if folder is None:
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "domain.yml").is_file())


def resolve_source(source: str | None) -> Path:
    """The folder to copy: the blank bot (None), a shipped pack by name, or a domain folder by path."""
    if source is None:
        return BLANK
    packs = shipped_packs()
    if source in packs and not Path(source).is_dir():
        folder = packs_dir()
        assert folder is not None
        return folder / source
    path = Path(source).expanduser()
    if path.is_dir():
        if not domain_files(path):
            raise ScaffoldError(f"{path} has no domain YAML files (.yml/.yaml); it is not a domain folder")
        return path
    from dialogue.registry import suggest

    hint = suggest(source, packs)
    listed = f" Shipped packs: {', '.join(packs)}." if packs else " No packs are installed with this package."
    raise ScaffoldError(f"--from {source!r} is neither a shipped pack nor a folder.{hint}{listed}")


def create_bot(target: Path, source: str | None = None) -> Path:
    """Copy the source into ``target`` (new or empty) and name the bot after the folder; returns the source used."""
    origin = resolve_source(source)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} exists and is not an empty folder; choose a new folder")
    if _inside(target, origin):
        raise ScaffoldError(f"{target} is inside {origin}; choose a folder outside the one you copy")
    shutil.copytree(origin, target, dirs_exist_ok=True, ignore=IGNORED)
    rename_bot(target, bot_name(target))
    return origin


def write_editor_schemas(folder: Path) -> None:
    """``.schema/`` with the JSON Schemas the blank bot's ``# yaml-language-server`` lines point to."""
    from dialogue.reference.jsonschema import write_schemas

    write_schemas(folder / ".schema")


def bot_name(folder: Path) -> str:
    return folder.resolve().name


def rename_bot(folder: Path, name: str) -> None:
    """Set the top-level ``name:`` to ``name`` in the file that declares it, keeping comments and layout.

    A domain without ``name:`` is already named after its folder, so nothing is written then.
    """
    for file in domain_files(folder):
        data, positions = load_yaml_with_positions(file)
        if not isinstance(data, dict) or "name" not in data:
            continue
        line = positions[("name",)][0]
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        value = name if re.fullmatch(r"[A-Za-z_][\w\-]*", name) else '"' + name.replace('"', '\\"') + '"'

        def renamed(match: re.Match[str], value: str = value) -> str:
            return f"name: {value}{match.group(1) or ''}"

        lines[line - 1] = re.sub(r"^name:.*?(\r?\n)?$", renamed, lines[line - 1])
        file.write_text("".join(lines), encoding="utf-8")
        return


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
