"""Which subscribers one process puts on the bus: the one place a deployment shape is wired.

    shape                          stages it runs       the bot's turn listener   domain plugins
    one process (chat, tests,      nlu, dm, nlg         yes                       yes
      serve --bus memory)
    gateway (serve --bus URL)      none                 yes (a broadcast)         yes
    worker KIND                    the stage of KIND    no                        no

A stage declares its ``kind`` and the ``topic`` it consumes (``dialogue.stages``); a shape names
the kinds it runs, so nothing here looks a subscriber up by name. With ``batching``, a stage
that can parse several messages at once (``Batchable``: the NLU stage) is subscribed in its
batching form; ``timed`` wraps each stage's handler (the server's latency histogram).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from dialogue.bus import ALL_TOPICS, Bus, Handler
from dialogue.stages import STAGES, Stage

#: wraps a stage's handler (given its kind), e.g. to time it
Timer = Callable[[str, Handler], Handler]


@runtime_checkable
class Batchable(Protocol):
    """A stage that can handle the messages queued for it as one batch."""

    def batched(self, *, max_batch: int, max_wait_ms: float, on_batch: Callable[[int], None] | None) -> Stage: ...


@dataclass(frozen=True)
class Batching:
    max_batch: int = 32
    max_wait_ms: float = 2.0
    on_batch: Callable[[int], None] | None = None  # the size of each batch, for a histogram


@dataclass(frozen=True)
class Shape:
    """What one process runs: which stages, whether it follows turns (a channel), and plugins."""

    stages: frozenset[str]
    follows_turns: bool
    plugins: bool
    batching: Batching | None = None

    @classmethod
    def one_process(cls, batching: Batching | None = None) -> Shape:
        return cls(frozenset(STAGES), follows_turns=True, plugins=True, batching=batching)

    @classmethod
    def gateway(cls) -> Shape:
        """Publishes user messages and follows the turns; workers run the stages."""
        return cls(frozenset(), follows_turns=True, plugins=True)

    @classmethod
    def worker(cls, kind: str, batching: Batching | None = None) -> Shape:
        if kind not in STAGES:
            raise ValueError(f"unknown worker kind {kind!r}: use one of {', '.join(STAGES)}")
        return cls(frozenset({kind}), follows_turns=False, plugins=False, batching=batching)


ONE_PROCESS = Shape.one_process()


@dataclass(frozen=True)
class Plugin:
    """A domain's bus subscriber (``pipeline.subscribers``): its name, topics and handler."""

    name: str
    topics: tuple[str, ...]
    handler: Handler


def wire(bus: Bus, shape: Shape, stages: Iterable[Stage], *, turn_listener: tuple[str, Handler] | None = None,
         plugins: Iterable[Plugin] = (), timed: Timer | None = None) -> dict[str, Stage]:
    """Subscribe what ``shape`` runs of ``stages``, the turn listener and plugins; the stages subscribed, by kind."""
    running: dict[str, Stage] = {}
    for stage in stages:
        if stage.kind not in shape.stages:
            continue
        if shape.batching is not None and isinstance(stage, Batchable):
            stage = stage.batched(max_batch=shape.batching.max_batch, max_wait_ms=shape.batching.max_wait_ms,
                                  on_batch=shape.batching.on_batch)
        handler: Any = timed(stage.kind, stage) if timed is not None else stage
        bus.subscribe(stage.topic, handler, name=stage.kind)
        running[stage.kind] = stage
    if shape.follows_turns and turn_listener is not None:
        name, handler = turn_listener
        bus.subscribe(ALL_TOPICS, handler, name=name)
    if shape.plugins:
        for plugin in plugins:
            for topic in plugin.topics:
                bus.subscribe(topic, plugin.handler, name=f"plugin:{plugin.name}")
    return running
