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

from dialogue.bus import Bus, InProcessBus
from dialogue.components import component_config
from dialogue.domain import Domain
from dialogue.domain.schema.pipeline import ComponentSpec

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


def make_bus(spec: str, *, shards: int = 16, prefix: str = "dialogue", **options: Any) -> Bus:
    if spec == "memory":
        return InProcessBus()
    from dialogue.bus.redis import RedisStreamsBus, is_redis_url

    if not is_redis_url(spec):
        raise ValueError(f"--bus {spec!r}: use 'memory' or a redis://HOST:PORT URL.")
    return RedisStreamsBus(spec, shards=shards, prefix=prefix, **options)


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
