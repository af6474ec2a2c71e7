"""Build the components a domain's ``pipeline:`` section names, with validated parameters."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from dialogue.domain.model import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.protocols import ComponentConfig
from dialogue.registry import PluginError, registry, suggest


def component_config(group: str, spec: ComponentSpec) -> tuple[Any, ComponentConfig]:
    """Resolve ``spec.use`` in ``group`` and validate its parameters against the class's ``Config``."""
    cls = registry(group).get(spec.use)
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
    cls, config = component_config(group, spec)
    factory = getattr(cls, "from_config", None)
    try:
        return factory(config, domain, **extra) if factory else cls(config, domain, **extra)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f"{group} component {spec.use!r} failed to start: {type(exc).__name__}: {exc}") from exc


def load_local_plugins(domain: Domain) -> None:
    """Import the domain's own plugin modules (``plugins:`` list, or ``plugins/*.py`` by default)."""
    from dialogue.registry import import_local_module

    paths = [domain.path / p for p in domain.plugins]
    if not domain.plugins and (domain.path / "plugins").is_dir():
        paths = sorted(p for p in (domain.path / "plugins").glob("*.py") if not p.name.startswith(("_", "test_")))
    for path in paths:
        if not path.is_file():
            raise PluginError(f"Local plugin {path} does not exist (listed under plugins: in {domain.path}).")
        import_local_module(path)
