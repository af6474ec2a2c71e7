"""Run one stage (NLU, dialogue manager or NLG) of a domain's pipeline on a Redis Streams bus.

Several workers of one kind share the load: the bus gives each a fair share of the shards of
its consumer group, and a worker that dies has its shards and pending messages taken over.
On SIGTERM/SIGINT a worker stops reading, finishes what it holds and gives its shards back.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.bus import Bus
from dialogue.deployment import check_shared_store, make_bus, stateless_dm, with_store
from dialogue.domain import load_domain
from dialogue.server.metrics import Metrics, timer
from dialogue.stages import STAGES, DMStage, NLGStage, NLUStage, Stage
from dialogue.wiring import Batching, Shape, wire

log = logging.getLogger("dialogue.workers")

KINDS = STAGES


@dataclass(frozen=True)
class WorkerOptions:
    kind: str
    bus: str
    store: str | None = None
    shards: int = 16
    prefix: str = "dialogue"
    lease_ms: int = 3000
    claim_idle_ms: int = 1000
    max_deliveries: int = 3
    batching: bool = True
    max_batch: int = 32
    max_wait_ms: float = 2.0
    train: bool = True
    metrics_port: int | None = None


Closers = list[Callable[[], Awaitable[Any]]]


async def build_worker(domain_path: str | Path, options: WorkerOptions,
                       metrics: Metrics | None = None) -> tuple[Bus, Closers]:
    """The bus with this worker's stage subscribed (not started), and what to close afterwards."""
    from dialogue.assembly import build_store, prepare_nlu
    from dialogue.components import build_component, load_local_plugins

    batching = Batching(options.max_batch, options.max_wait_ms,
                        metrics.nlu_batch_size.observe if metrics is not None else None)
    shape = Shape.worker(options.kind, batching if options.batching else None)
    domain = with_store(load_domain(domain_path), options.store)
    load_local_plugins(domain)
    bus = make_bus(options.bus, shards=options.shards, prefix=options.prefix, lease_ms=options.lease_ms,
                   claim_idle_ms=options.claim_idle_ms, max_deliveries=options.max_deliveries, broadcast=())
    if not bus.distributed:
        raise ValueError(f"--bus {options.bus!r}: a worker needs a bus shared with the other processes")
    closers: Closers = []
    stages: list[Stage] = []
    if options.kind == NLUStage.kind:
        components = await asyncio.to_thread(prepare_nlu, domain, train=options.train)
        stages.append(NLUStage(components, domain.intent_names, max_chars=domain.settings.max_message_chars))
    elif options.kind == DMStage.kind:
        check_shared_store(domain)
        domain = stateless_dm(domain)
        manager = build_component("dm", domain.pipeline.dm, domain, store=build_store(domain))
        stages.append(DMStage(manager))
        if hasattr(manager, "close"):
            closers.append(manager.close)
    else:
        stages.append(NLGStage(build_component("nlg", domain.pipeline.nlg, domain), bus))
    wire(bus, shape, stages, timed=timer(metrics) if metrics is not None else None)
    return bus, closers


async def run_worker(domain_path: str | Path, options: WorkerOptions, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or SIGTERM/SIGINT), then drain and hand the shards back."""
    metrics = Metrics() if options.metrics_port is not None else None
    bus, closers = await build_worker(domain_path, options, metrics)
    if metrics is not None and options.metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(options.metrics_port, addr="127.0.0.1", registry=metrics.registry)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            pass
    await bus.start()
    print(f"worker {options.kind} ready ({getattr(bus, 'consumer', 'in-process')})", flush=True)  # Redis names its consumer
    await stop.wait()
    log.info("worker %s stopping: finishing in-flight messages", options.kind)
    await bus.close()
    for close in closers:
        await close()
