"""Build the components a domain's ``pipeline:`` section names, with validated parameters; import its plugins."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from dialogue.domain.model import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.protocols import ComponentConfig
from dialogue.registry import (
    PluginError,
    domain_scope,
    import_local_module,
    import_plugin_module,
    plugin_package,
    plugin_scope,
    registry,
    suggest,
)


def component_config(group: str, spec: ComponentSpec, domain: Domain | None = None) -> tuple[Any, ComponentConfig]:
    """Resolve ``spec.use`` in ``group`` (among ``domain``'s own plugins and the shared ones) and validate
    its parameters against the class's ``Config``."""
    cls = registry(group).get(spec.use, scope=domain_scope(domain.path) if domain is not None else None)
    config_cls: type[ComponentConfig] = getattr(cls, "Config", ComponentConfig)
    try:
        config = config_cls(**spec.params)
    except ValidationError as exc:
        details = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"])
            hint = suggest(key, list(config_cls.model_fields)) if error["type"] == "extra_forbidden" else ""
            details.append(f"  {key}: {error['msg']}.{hint}")
        raise PluginError(f"{group} component {spec.use!r} has bad parameters:\n" + "\n".join(details)) from exc
    return cls, config


def build_component(group: str, spec: ComponentSpec, domain: Domain, **extra: Any) -> Any:
    cls, config = component_config(group, spec, domain)
    factory = getattr(cls, "from_config", None)
    try:
        return factory(config, domain, **extra) if factory else cls(config, domain, **extra)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f"{group} component {spec.use!r} failed to start: {type(exc).__name__}: {exc}") from exc


def load_local_plugins(domain: Domain) -> None:
    """Import the domain's own plugin modules (``plugins:`` list, or ``plugins/*.py`` by default).

    ``plugins/`` is imported as a package, each file as its submodule, so plugin files can import
    each other relatively (``from . import common``); a module is imported (and registers) once.
    """
    for path in local_plugin_files(domain):
        if not path.is_file():
            raise PluginError(f"Local plugin {path} does not exist (listed under plugins: in {domain.path}).")
        with plugin_scope(domain.path):
            _import_file(domain.path, path)


def local_plugin_files(domain: Domain) -> list[Path]:
    """The files ``load_local_plugins`` imports: the ``plugins:`` list, or ``plugins/*.py`` (not ``_*``, ``test_*``)."""
    if domain.plugins:
        return [domain.path / p for p in domain.plugins]
    if (domain.path / "plugins").is_dir():
        return sorted(p for p in (domain.path / "plugins").glob("*.py") if not p.name.startswith(("_", "test_")))
    return []


def import_domain_plugin(domain: Domain | str | Path, module: str | Path) -> ModuleType:
    """A domain's plugin module, the very object its actions use (imported now if it was not yet).

    ``module`` names a module of the ``plugins/`` package (``"shop_common"``, ``"clinic.desk"``), or
    is a ``.py`` file, relative to the domain folder or absolute (``"data/build_db.py"``); a file
    outside ``plugins/`` is imported by its path, once.
    """
    root = Path(domain.path if isinstance(domain, Domain) else domain)
    with plugin_scope(root):
        if isinstance(module, Path) or module.endswith(".py"):
            return _import_file(root, root / module)
        return import_plugin_module(root, module)


def _import_file(root: Path, path: Path) -> ModuleType:
    """A file under ``plugins/`` as a submodule of the domain's package; any other file by its path."""
    try:
        parts = path.resolve().relative_to((root / "plugins").resolve()).with_suffix("").parts
    except ValueError:
        return import_local_module(path)
    if parts[-1:] == ("__init__",):
        parts = parts[:-1]
    if not parts:
        return plugin_package(root)
    if all(part.isidentifier() for part in parts):
        return import_plugin_module(root, ".".join(parts))
    return import_local_module(path)
