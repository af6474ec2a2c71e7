"""The message bus: named topics, async subscribers, per-conversation ordering.

Components never call each other; the pipeline is a chain of subscribers (see
``dialogue.pipeline``). ``Bus`` is the interface; ``InProcessBus`` runs everything in one
event loop and ``dialogue.bus.redis.RedisStreamsBus`` spreads it over processes.
"""

from __future__ import annotations

from dialogue.bus.base import ALL_TOPICS, Bus, Handler, Subscription
from dialogue.bus.memory import InProcessBus

__all__ = ["ALL_TOPICS", "Bus", "Handler", "InProcessBus", "Subscription"]
