"""Find components by name: built-ins, installed plugin packages, a domain's own modules.

Names resolve lazily, so ``import dialogue`` stays light and a heavy component (BERT,
GPT-2) is imported only when a domain's config names it. Third-party packages declare::

    [project.entry-points."dialogue.nlu"]
    my_classifier = "my_package.module:MyClassifier"

A domain's local plugin modules (``plugins/*.py``, or those listed under ``plugins:`` in its
YAML) register with the ``register`` decorator. What they register belongs to that domain's
scope (``plugin_scope``, set while its plugins are imported): a lookup for a domain
(``get(name, scope=domain_scope(domain.path))``) sees its own registrations, then the
built-ins, entry points and registrations made outside any domain, never another domain's,
so two domains loaded in one process each run their own ``action_greet``. The ``plugins/`` folder is imported as a
package of its own (``dialogue_domains.<folder>_<hash>``), so its files import each other
relatively. A plugin that fails to import raises ``PluginError`` naming the file and carrying
its trace; nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from dialogue.builtins import BUILTINS

GROUPS = ("nlu", "dm", "nlg", "generator", "action", "store", "subscriber", "check", "bus")
ENTRY_POINT_PREFIX = "dialogue."

T = TypeVar("T")


class PluginError(Exception):
    """A plugin could not be found, imported or built; says which and why.

    For a plugin file that failed to import, ``file``/``line``/``column`` say where (the line with
    the syntax error, or the plugin's own line the failure came from) and ``detail`` what.
    """

    def __init__(self, message: str, file: Path | None = None, line: int | None = None,
                 column: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.file, self.line, self.column, self.detail = file, line, column, detail or message


def suggest(name: str, candidates: list[str] | tuple[str, ...] | set[str]) -> str:
    """' Did you mean "x"?' for the closest candidate, or ''.

    Close spellings first; then a candidate sharing a distinctive word (``customer_name`` → ``name``),
    where words most candidates share (``utter``, ``action``) do not count.
    """
    pool = list(candidates)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        words = {c: _words(c) for c in pool}
        common = {w for w in set().union(*words.values()) if sum(w in ws for ws in words.values()) * 2 > len(pool)}
        mine = _words(name) - common
        sharing = [c for c in pool if mine & words[c]]
        close = difflib.get_close_matches(name, sharing, n=1, cutoff=0.3)
    return f' Did you mean "{close[0]}"?' if close else ""


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[\W_]+", name.lower()) if len(w) >= 3}


#: the domain whose plugins are being imported: what they register is that domain's
_LOADING: ContextVar[str | None] = ContextVar("dialogue_plugin_scope", default=None)


def domain_scope(domain_dir: str | Path) -> str:
    """The scope of a domain's registrations: its resolved folder."""
    return str(Path(domain_dir).resolve())


@contextmanager
def plugin_scope(domain_dir: str | Path) -> Iterator[str]:
    """Registrations made inside belong to the domain at ``domain_dir``."""
    token = _LOADING.set(domain_scope(domain_dir))
    try:
        yield _LOADING.get() or ""
    finally:
        _LOADING.reset(token)


class Registry:
    """Name → component table for one group (``nlu``, ``action``, ...), with one scope per domain.

    An unscoped lookup sees the latest registration of a name, whoever made it; a scoped one
    sees the domain's own, then the shared ones (built-ins, registrations outside any domain,
    entry points).
    """

    def __init__(self, group: str) -> None:
        self.group = group
        self._targets: dict[str, Any] = dict(BUILTINS.get(group, {}))
        self._shared: dict[str, Any] = dict(self._targets)
        self._scoped: dict[str, dict[str, Any]] = {}
        self._loaded: dict[str, Any] = {}  # entry points, by name
        self._imported: dict[str, Any] = {}  # "module:attr" targets, by target

    def add(self, name: str, target: Any) -> None:
        """Register an object or a ``"module:attr"`` string under ``name`` (later wins within a scope)."""
        scope = _LOADING.get()
        if scope is None:
            self._shared[name] = target
        else:
            self._scoped.setdefault(scope, {})[name] = target
        self._targets[name] = target
        self._loaded.pop(name, None)

    def remove(self, name: str) -> None:
        self._targets.pop(name, None)
        self._shared.pop(name, None)
        for table in self._scoped.values():
            table.pop(name, None)
        self._loaded.pop(name, None)

    def _entry_points(self) -> dict[str, importlib.metadata.EntryPoint]:
        eps = importlib.metadata.entry_points(group=ENTRY_POINT_PREFIX + self.group)
        return {ep.name: ep for ep in eps}

    def names(self, scope: str | None = None) -> list[str]:
        if scope is None:
            return sorted(set(self._targets) | set(self._entry_points()))
        return sorted(set(self._shared) | set(self._scoped.get(scope, {})) | set(self._entry_points()))

    def targets(self) -> dict[str, Any]:
        """Built-in and registered names → object or ``"module:attr"`` (entry points not included)."""
        return dict(self._targets)

    def get(self, name: str, scope: str | None = None) -> Any:
        """The component ``name``; with a ``scope``, the domain's own registration first, never another domain's."""
        if scope is not None:
            own = self._scoped.get(scope, {})
            if name in own:
                return self._resolve(name, own[name])
            if name in self._shared:
                return self._resolve(name, self._shared[name])
            if name not in self._entry_points():
                raise PluginError(f"No {self.group} component named {name!r}.{suggest(name, self.names(scope))} "
                                  f"Available: {', '.join(self.names(scope)) or 'none'}.")
        elif name in self._targets:
            return self._resolve(name, self._targets[name])
        return self._from_entry_point(name)

    def _resolve(self, name: str, target: Any) -> Any:
        """A registered object as is; a ``"module:attr"`` string imported once."""
        if not isinstance(target, str):
            return target
        if target not in self._imported:
            self._imported[target] = _import_target(target, f"{self.group} plugin {name!r}")
        return self._imported[target]

    def _from_entry_point(self, name: str) -> Any:
        if name in self._loaded:
            return self._loaded[name]
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

    def has(self, name: str, scope: str | None) -> bool:
        """Whether ``get(name, scope)`` finds something."""
        if scope is None:
            return name in self
        return name in self._scoped.get(scope, {}) or name in self._shared or name in self._entry_points()


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


DOMAINS_PACKAGE = "dialogue_domains"
_LOCK = threading.RLock()


def plugin_package_name(domain_dir: Path) -> str:
    """``dialogue_domains.<folder>_<hash>``: stable per domain folder, distinct for same-named folders elsewhere."""
    resolved = Path(domain_dir).resolve()
    return f"{DOMAINS_PACKAGE}.{_unique(resolved.name, resolved)}"


def _unique(label: str, resolved: Path) -> str:
    """``<label>_<short hash of the resolved path>``, usable as a module name."""
    name = re.sub(r"\W", "_", label) or "domain"
    return f"{name}_{hashlib.sha1(str(resolved).encode()).hexdigest()[:8]}"


def _package_module(name: str, search: list[str]) -> ModuleType:
    """An empty package module: nothing to run, submodules found on ``search``."""
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = search
    return importlib.util.module_from_spec(spec)


def _domains_root() -> ModuleType:
    """``dialogue_domains``: the parent of every domain's plugin package (nothing on disk)."""
    if DOMAINS_PACKAGE not in sys.modules:
        sys.modules[DOMAINS_PACKAGE] = _package_module(DOMAINS_PACKAGE, [])
    return sys.modules[DOMAINS_PACKAGE]


def _failed(path: Path, exc: BaseException) -> PluginError:
    """Where and why a plugin file failed to import: the syntax error's line, or the plugin code's own frames."""
    if isinstance(exc, SyntaxError):
        file = Path(exc.filename) if exc.filename else path
        detail = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
        line, column = exc.lineno, exc.offset
        where = f"{file}:{line}" if line else str(file)
        code = (exc.text or "").rstrip("\n")
        shown = f"\n    {code.strip()}" + (f"\n    {' ' * (column - 1 - (len(code) - len(code.lstrip())))}^"
                                          if column and code.strip() else "") if code.strip() else ""
        return PluginError(f"Local plugin {path} failed to import: {where}: {detail}", file, line, column,
                           f"{type(exc).__name__}: {exc.msg}{shown}")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _machinery(f.filename)]
    folder = path.resolve().parent
    own = [f for f in frames if _under(Path(f.filename), folder)] or frames
    inner = own[-1] if own else None
    file = Path(inner.filename) if inner else path
    line = inner.lineno if inner else None
    detail = f"{type(exc).__name__}: {exc}"
    trace = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)).rstrip()
    return PluginError(f"Local plugin {path} failed to import: {detail}\n{trace}", file, line, None, detail)


def _machinery(filename: str) -> bool:
    """Frames of the import system and of this module: noise in a plugin's trace."""
    return filename.startswith("<frozen importlib") or Path(filename).resolve() == Path(__file__).resolve()


def _under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


def plugin_package(domain_dir: Path) -> ModuleType:
    """The domain's ``plugins/`` folder as a package (its ``__init__.py`` if it has one), registered once.

    Plugin files are its submodules, so they import each other relatively (``from . import common``).
    """
    name = plugin_package_name(domain_dir)
    with _LOCK:
        if name in sys.modules:
            return sys.modules[name]
        folder = Path(domain_dir).resolve() / "plugins"
        init = folder / "__init__.py"
        if init.is_file():
            package = _run_file(name, init, [str(folder)])
        else:
            package = sys.modules[name] = _package_module(name, [str(folder)])
        setattr(_domains_root(), name.rpartition(".")[2], package)
        return package


def import_plugin_module(domain_dir: Path, module: str) -> ModuleType:
    """Import ``plugins/<module>.py`` (``a.b`` for ``plugins/a/b.py``) as a submodule of the domain's package, once."""
    package = plugin_package(domain_dir)
    full = f"{package.__name__}.{module}"
    if full in sys.modules:
        return sys.modules[full]
    folder = Path(package.__path__[0])
    base = folder.joinpath(*module.split("."))
    path = base.with_name(base.name + ".py") if not base.is_dir() else base / "__init__.py"
    finder = sys.path_importer_cache.get(str(folder))
    if finder is not None and hasattr(finder, "invalidate_caches"):  # as importlib's PathFinder.invalidate_caches checks
        finder.invalidate_caches()  # a file written since the folder was last listed
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:
            raise PluginError(f"Local plugin {path} does not exist.") from exc
        raise _failed(path, exc) from exc
    except Exception as exc:
        raise _failed(path, exc) from exc  # the import system has taken the half-run module out again


def import_local_module(path: Path) -> ModuleType:
    """Import a plugin file that lies outside ``plugins/`` by its path, once, under a name unique to that path."""
    resolved = Path(path).resolve()
    name = f"{DOMAINS_PACKAGE}.file_{_unique(resolved.stem, resolved)}"
    with _LOCK:
        if name in sys.modules:
            return sys.modules[name]
        _domains_root()
        return _run_file(name, resolved)


def _run_file(name: str, path: Path, search: list[str] | None = None) -> ModuleType:
    """Run ``path`` as module ``name`` (a package when ``search`` is given) and register it; none left on failure."""
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    if spec is None or spec.loader is None:
        raise PluginError(f"Local plugin {path} is not a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise _failed(path, exc) from exc
    return module
