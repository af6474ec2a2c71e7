"""Every component the registry can resolve, and where each comes from.

Used by ``dialogue plugins`` (what can I name in pipeline.yml, and which file registers my
action?) and by the reference generator (the options of every built-in component).
Listing imports nothing; ``load`` imports one entry and reports a failure instead of raising.
"""

from __future__ import annotations

import importlib.metadata
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.builtins import BUILTINS
from dialogue.registry import ENTRY_POINT_PREFIX, GROUPS, PluginError, registry


@dataclass(frozen=True)
class Entry:
    group: str
    name: str
    kind: str  #: "built-in", "entry point" or "local"
    source: str  #: "dialogue.nlu.tfidf:TfidfIntentClassifier", "pkg 1.0 (pkg.mod:Cls)", "plugins/x.py:12"


def entries(groups: tuple[str, ...] = GROUPS) -> list[Entry]:
    """Built-ins, installed entry points and objects registered by imported local plugins, per group."""
    found: list[Entry] = []
    for group in groups:
        targets = registry(group).targets()
        points = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_PREFIX + group)}
        for name in sorted(set(targets) | set(points)):
            target = targets.get(name)
            if target is not None and BUILTINS.get(group, {}).get(name) == target:
                found.append(Entry(group, name, "built-in", target))
            elif target is not None:
                found.append(Entry(group, name, "local", _where(target)))
            else:
                ep = points[name]
                dist = f"{ep.dist.name} {ep.dist.version} " if ep.dist is not None else ""
                found.append(Entry(group, name, "entry point", f"{dist}({ep.value})"))
    return found


def load(entry: Entry) -> tuple[Any, str | None]:
    """The component class (or action), or None and why it could not be imported."""
    try:
        return registry(entry.group).get(entry.name), None
    except PluginError as exc:
        return None, str(exc).split("\n", 1)[0]


def _where(target: Any) -> str:
    """``file:line`` of a registered object (an action's function, a class), relative to the cwd when shorter."""
    obj = getattr(target, "run", target)
    if isinstance(obj, str):
        return obj
    try:
        file = inspect.getsourcefile(obj) or inspect.getfile(obj)
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__name__)}"
    return f"{_short(Path(file))}:{line}"


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
