"""Find components by name: built-ins, installed plugin packages, a domain's own modules.

Names resolve lazily, so ``import dialogue`` stays light and a heavy component (BERT,
GPT-2) is imported only when a domain's config names it. Third-party packages declare::

    [project.entry-points."dialogue.nlu"]
    my_classifier = "my_package.module:MyClassifier"

A domain's local plugin modules (listed under ``plugins:`` in its YAML) register with the
``register`` decorator. A plugin that fails to import raises ``PluginError`` naming the
plugin and carrying its trace; nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from dialogue.builtins import BUILTINS

GROUPS = ("nlu", "dm", "nlg", "generator", "action", "store", "channel", "subscriber")
ENTRY_POINT_PREFIX = "dialogue."

T = TypeVar("T")


class PluginError(Exception):
    """A plugin could not be found, imported or built; says which and why."""


def suggest(name: str, candidates: list[str] | tuple[str, ...] | set[str]) -> str:
    """' Did you mean "x"?' for the closest candidate, or ''."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


class Registry:
    """Name → component table for one group (``nlu``, ``action``, ...)."""

    def __init__(self, group: str) -> None:
        self.group = group
        self._targets: dict[str, Any] = dict(BUILTINS.get(group, {}))
        self._loaded: dict[str, Any] = {}

    def add(self, name: str, target: Any) -> None:
        """Register an object or a ``"module:attr"`` string under ``name`` (later wins)."""
        self._targets[name] = target
        self._loaded.pop(name, None)

    def remove(self, name: str) -> None:
        self._targets.pop(name, None)
        self._loaded.pop(name, None)

    def _entry_points(self) -> dict[str, importlib.metadata.EntryPoint]:
        eps = importlib.metadata.entry_points(group=ENTRY_POINT_PREFIX + self.group)
        return {ep.name: ep for ep in eps}

    def names(self) -> list[str]:
        return sorted(set(self._targets) | set(self._entry_points()))

    def get(self, name: str) -> Any:
        if name in self._loaded:
            return self._loaded[name]
        if name in self._targets:
            target = self._targets[name]
            obj = _import_target(target, f"{self.group} plugin {name!r}") if isinstance(target, str) else target
        else:
            ep = self._entry_points().get(name)
            if ep is None:
                raise PluginError(
                    f"No {self.group} component named {name!r}.{suggest(name, self.names())} "
                    f"Available: {', '.join(self.names()) or 'none'}."
                )
            try:
                obj = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"{self.group} plugin {name!r} (entry point {ep.value}) failed to import: "
                    f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
                ) from exc
        self._loaded[name] = obj
        return obj

    def __contains__(self, name: str) -> bool:
        return name in self._targets or name in self._entry_points()


def _import_target(target: str, what: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module
    except Exception as exc:
        raise PluginError(
            f"{what} ({target}) failed to import: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        ) from exc


REGISTRIES: dict[str, Registry] = {group: Registry(group) for group in GROUPS}


def registry(group: str) -> Registry:
    if group not in REGISTRIES:
        raise PluginError(f"Unknown plugin group {group!r}.{suggest(group, GROUPS)}")
    return REGISTRIES[group]


def register(group: str, name: str) -> Callable[[T], T]:
    """Decorator for a domain's local plugins: ``@register("action", "check_order")``."""

    def decorate(obj: T) -> T:
        registry(group).add(name, obj)
        return obj

    return decorate


def import_local_module(path: Path) -> None:
    """Import one of a domain's plugin files; its ``@register`` calls fill the registries."""
    module_name = "dialogue_local_" + "_".join(path.with_suffix("").parts[-3:]).replace("-", "_").replace(".", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"Local plugin {path} is not a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise PluginError(
            f"Local plugin {path} failed to import: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        ) from exc
