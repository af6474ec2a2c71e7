"""Turn a domain folder and a few options into a running ``BotService`` (used by ``dialogue serve``).

With ``bus="memory"`` the whole pipeline runs in this process. With a ``redis://`` bus this
process is a gateway: it publishes user messages and listens for replies, while
``dialogue worker nlu|dm|nlg`` processes run the components.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dialogue.bus import Bus, InProcessBus, Subscription
from dialogue.domain import Domain, load_domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.pipeline import STAGES
from dialogue.server.metrics import Metrics, instrument
from dialogue.server.service import WATCHER_NAME, BotService


@dataclass(frozen=True)
class BotOptions:
    bus: str = "memory"
    store: str | None = None
    batching: bool = True
    max_batch: int = 32
    max_wait_ms: float = 2.0
    train: bool = True
    shards: int = 16
    prefix: str = "dialogue"


def with_store(domain: Domain, url: str | None) -> Domain:
    """The domain with its ``pipeline.store`` replaced by the store ``url`` names."""
    if not url:
        return domain
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        spec = ComponentSpec(use="redis", url=url)
    elif scheme in ("postgresql", "postgres"):
        spec = ComponentSpec(use="postgres", dsn=url)
    elif scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url[len("sqlite:"):]
        spec = ComponentSpec(use="sqlite", path=path)  # sqlite:///relative.db, sqlite:////absolute.db
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


def use_batching(bus: Bus, bot: Any, max_batch: int, max_wait_ms: float, metrics: Metrics | None = None) -> None:
    """Swap the bot's NLU subscriber for a micro-batching one (before the bus starts)."""
    from dialogue.nlu_batching import BatchingNLUStage

    stage = BatchingNLUStage.wrap(bot.nlu, max_batch=max_batch, max_wait_ms=max_wait_ms,
                                  on_batch=metrics.nlu_batch_size.observe if metrics else None)
    for index, sub in enumerate(bus.subscriptions):
        if sub.name == "nlu":
            bus.subscriptions[index] = Subscription(sub.topic, stage, sub.name)
    bot.nlu = stage


async def build_service(domain_path: str | Path, options: BotOptions, metrics: Metrics) -> BotService:
    from dialogue.assembly import assemble, build_store, prepare_nlu
    from dialogue.components import load_local_plugins
    from dialogue.server.service import BotService

    domain = with_store(load_domain(domain_path), options.store)
    load_local_plugins(domain)
    gateway = options.bus != "memory"
    if gateway:
        from dialogue.bus.redis import DEFAULT_BROADCAST

        bus = make_bus(options.bus, shards=options.shards, prefix=options.prefix,
                       run=lambda name: name.startswith("plugin:"), broadcast=(*DEFAULT_BROADCAST, WATCHER_NAME))
        components: list[Any] = []  # the NLU runs in `dialogue worker nlu`
        from dialogue.workers.runner import check_shared_store, stateless_dm

        check_shared_store(domain)
        domain = stateless_dm(domain)  # restarts go to the shared store; workers own the turns
    else:
        bus = make_bus("memory")
        components = await asyncio.to_thread(prepare_nlu, domain, train=options.train)
    store = build_store(domain)
    bot = assemble(domain, bus, store=store, nlu_components=components)
    if options.batching and not gateway:
        use_batching(bus, bot, options.max_batch, options.max_wait_ms, metrics)
    service = BotService(bot, store, metrics, closers=[store.close] if hasattr(store, "close") else [])
    instrument(bus, metrics, set(STAGES))
    return service


__all__ = ["BotOptions", "build_service", "make_bus", "use_batching", "with_store"]
