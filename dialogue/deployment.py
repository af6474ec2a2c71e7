"""What a domain needs to run in a deployment shape: the store and bus named on the command line.

Shared by ``dialogue serve`` (one process, or a gateway on a Redis bus) and ``dialogue worker``
(one stage per process): a store given as a URL, a refusal of per-process stores when several
processes share the conversations, a dialogue manager that re-reads what other processes wrote,
and the bus a ``--bus`` value names.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from dialogue.bus import Bus
from dialogue.components import component_config
from dialogue.domain import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.registry import registry

log = logging.getLogger("dialogue.workers")


def with_store(domain: Domain, url: str | None) -> Domain:
    """The domain with its ``pipeline.store`` replaced by the store ``url`` names."""
    if not url:
        return domain
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        spec = ComponentSpec.model_validate({"use": "redis", "url": url})
    elif scheme in ("postgresql", "postgres"):
        spec = ComponentSpec.model_validate({"use": "postgres", "dsn": url})
    elif scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url[len("sqlite:"):]
        spec = ComponentSpec.model_validate({"use": "sqlite", "path": path})  # sqlite:///relative.db, sqlite:////absolute.db
    elif scheme == "memory":
        spec = ComponentSpec(use="memory")
    else:
        raise ValueError(f"--store {url!r}: use redis://..., postgresql://..., sqlite:///PATH or memory://")
    return replace(domain, pipeline=domain.pipeline.model_copy(update={"store": spec}))


def bus_backend(spec: str) -> type[Bus]:
    """The bus class a ``--bus`` value names: ``memory``, or a URL whose scheme a ``bus`` plugin registered."""
    name = spec.split("://", 1)[0].lower() if "://" in spec else spec
    backends = registry("bus")
    if name not in backends:
        shared = sorted(n for n in backends.names() if n != "memory")
        raise ValueError(f"--bus {spec!r}: use 'memory' or a URL of a shared bus ({', '.join(f'{n}://' for n in shared)}).")
    backend: type[Bus] = backends.get(name)
    return backend


def make_bus(spec: str, *, shards: int = 16, prefix: str = "dialogue", **options: Any) -> Bus:
    """The bus ``spec`` names, built by its backend (found through the registry's ``bus`` group)."""
    return bus_backend(spec).from_spec(spec, shards=shards, prefix=prefix, **options)


def check_shared_store(domain: Domain) -> None:
    """Refuse a per-process store on a distributed bus; warn about a file store (one machine only)."""
    use = domain.pipeline.store.use
    if use == "memory":
        raise ValueError("a memory tracker store is private to each process: with a Redis bus, give every "
                         "process the same --store redis://... or postgresql://...")
    if use == "sqlite":
        log.warning("the tracker store is a SQLite file: all processes must run on this machine; "
                    "use --store redis://... or postgresql://... to spread them over machines")


def stateless_dm(domain: Domain) -> Domain:
    """Turn off the manager's tracker cache if its store cannot tell what other processes wrote.

    Built-in stores tell positions (``load_from``), so the cache stays on and is brought up to
    date from the store on each read; only a store without that gets ``cache_size: 0``.
    """
    store_cls, _ = component_config("store", domain.pipeline.store)
    if callable(getattr(store_cls, "load_from", None)):
        return domain
    cls, _ = component_config("dm", domain.pipeline.dm)
    config_cls = getattr(cls, "Config", None)
    if config_cls is None or "cache_size" not in getattr(config_cls, "model_fields", {}):
        return domain
    spec = domain.pipeline.dm
    spec = type(spec)(**{"use": spec.use, **spec.params, "cache_size": 0})
    return replace(domain, pipeline=domain.pipeline.model_copy(update={"dm": spec}))
