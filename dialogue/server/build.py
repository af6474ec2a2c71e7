"""Turn a domain folder and a few options into a running ``BotService`` (used by ``dialogue serve``).

With ``bus="memory"`` the whole pipeline runs in this process. With a ``redis://`` bus this
process is a gateway: it publishes user messages and listens for replies, while
``dialogue worker nlu|dm|nlg`` processes run the components.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.bus import Bus, Subscription
from dialogue.deployment import check_shared_store, make_bus, stateless_dm, with_store
from dialogue.domain import load_domain
from dialogue.pipeline import STAGES
from dialogue.server.metrics import Metrics, instrument
from dialogue.server.service import BotService


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
        bus = make_bus(options.bus, shards=options.shards, prefix=options.prefix,
                       run=lambda name: name.startswith("plugin:"))
        components: list[Any] = []  # the NLU runs in `dialogue worker nlu`
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


__all__ = ["BotOptions", "build_service", "use_batching"]
