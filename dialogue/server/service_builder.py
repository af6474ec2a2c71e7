"""Turn a domain folder and a few options into a running ``BotService`` (used by ``dialogue serve``).

With ``bus="memory"`` the whole pipeline runs in this process (``Shape.one_process``). With a
bus shared by processes (``redis://``) this process is a gateway (``Shape.gateway``): it
publishes user messages and follows the turns, while ``dialogue worker nlu|dm|nlg`` processes
run the components.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.deployment import check_shared_store, make_bus, stateless_dm, with_store
from dialogue.domain import load_domain
from dialogue.server.metrics import Metrics, timer
from dialogue.server.service import BotService
from dialogue.wiring import Batching, Shape


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


async def build_service(domain_path: str | Path, options: BotOptions, metrics: Metrics) -> BotService:
    from dialogue.assembly import assemble, build_store, prepare_nlu
    from dialogue.components import load_local_plugins
    from dialogue.server.service import BotService

    domain = with_store(load_domain(domain_path), options.store)
    load_local_plugins(domain)
    bus = make_bus(options.bus, shards=options.shards, prefix=options.prefix)
    if bus.distributed:
        shape = Shape.gateway()
        components: list[Any] = []  # the NLU runs in `dialogue worker nlu`
        check_shared_store(domain)
        domain = stateless_dm(domain)  # restarts go to the shared store; workers own the turns
    else:
        batching = Batching(options.max_batch, options.max_wait_ms, metrics.nlu_batch_size.observe)
        shape = Shape.one_process(batching if options.batching else None)
        components = await asyncio.to_thread(prepare_nlu, domain, train=options.train)
    store = build_store(domain)
    bot = assemble(domain, bus, store=store, nlu_components=components, shape=shape, timed=timer(metrics))
    return BotService(bot, store, metrics, closers=[store.close] if hasattr(store, "close") else [])


__all__ = ["BotOptions", "build_service"]
