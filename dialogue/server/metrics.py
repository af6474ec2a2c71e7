"""Prometheus metrics of one process: turn and per-component latency, fallbacks, handoffs, errors.

Each app gets its own ``CollectorRegistry`` so several apps (tests, benchmarks) can live in one
process. Component latency is measured by wrapping the stages that run here as they are
wired (``timer``); fallbacks, handoffs and errors are counted from the ``TurnResult`` of each
turn this server handles (see ``service.BotService.count``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from dialogue.bus import Handler
from dialogue.messages import BusMessage

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.turn_seconds = Histogram("dialogue_turn_seconds", "Time from user message to the bot's whole reply.",
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.component_seconds = Histogram("dialogue_component_seconds", "Time a bus subscriber spends on a message.",
                                           ["component"], buckets=LATENCY_BUCKETS, registry=r)
        self.turns = Counter("dialogue_turns", "Turns answered, by outcome.", ["outcome"], registry=r)
        self.fallbacks = Counter("dialogue_fallbacks", "Turns that fell back (NLU or dialogue manager).",
                                 ["source"], registry=r)
        self.handoffs = Counter("dialogue_handoffs", "Handoffs to a human requested.", registry=r)
        self.errors = Counter("dialogue_errors", "Pipeline errors, by failing subscriber.", ["subscriber"], registry=r)
        self.http_errors = Counter("dialogue_http_errors", "Requests refused or failed, by error code.", ["code"],
                                   registry=r)
        self.in_flight = Gauge("dialogue_turns_in_flight", "Turns being handled right now.", registry=r)
        self.nlu_batch_size = Histogram("dialogue_nlu_batch_size", "User messages parsed per NLU batch.",
                                        buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def timer(metrics: Metrics) -> Callable[[str, Handler], Handler]:
    """A ``dialogue.wiring.Timer``: each stage's handler observed in the component histogram."""

    def timed(kind: str, handler: Handler) -> Handler:
        return _timed(kind, handler, metrics)

    return timed


def _timed(name: str, handler: Handler, metrics: Metrics) -> Handler:
    histogram = metrics.component_seconds.labels(component=name)

    async def timed(message: BusMessage) -> Any:
        start = time.perf_counter()
        try:
            return await handler(message)
        finally:
            histogram.observe(time.perf_counter() - start)

    timed.__qualname__ = getattr(handler, "__qualname__", name)
    return timed
