"""Per-hop overhead of the message bus, against plain awaited calls in the same process.

    python benchmarks/bus.py [--turns 20000] [--conversations 64]

A "turn" is the pipeline's four hops (user → NLU → DM → NLG → channel) with components that do
no work, so the figure is pure bus cost: queueing, per-conversation ordering, task switches.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from rich.console import Console
from rich.table import Table

from dialogue.bus import InProcessBus
from dialogue.messages import BotTurn, BusMessage, Decision, IntentScore, ParsedMessage, UserMessage

HOPS = 4


def parsed(m: BusMessage) -> ParsedMessage:
    return ParsedMessage(conversation_id=m.conversation_id, turn_id=m.turn_id, text="x",
                         intent=IntentScore(name="greet", confidence=1.0))


def decided(m: BusMessage) -> Decision:
    return Decision(conversation_id=m.conversation_id, turn_id=m.turn_id, acts=())


def replied(m: BusMessage) -> BotTurn:
    return BotTurn(conversation_id=m.conversation_id, turn_id=m.turn_id, messages=())


async def direct(turns: int, conversations: int) -> float:
    """Baseline: the same messages built and passed by direct awaited calls."""

    async def nlu(m: BusMessage) -> BusMessage:
        return parsed(m)

    async def dm(m: BusMessage) -> BusMessage:
        return decided(m)

    async def nlg(m: BusMessage) -> BusMessage:
        return replied(m)

    start = time.perf_counter()
    for i in range(turns):
        message = UserMessage(conversation_id=f"c{i % conversations}", turn_id=i, text="x")
        await nlg(await dm(await nlu(message)))
    return time.perf_counter() - start


async def through_bus(turns: int, conversations: int) -> tuple[float, list[float]]:
    bus = InProcessBus()
    done: dict[int, float] = {}

    async def nlu(m: BusMessage) -> list[BusMessage]:
        return [parsed(m)]

    async def dm(m: BusMessage) -> list[BusMessage]:
        return [decided(m)]

    async def nlg(m: BusMessage) -> list[BusMessage]:
        return [replied(m)]

    async def channel(m: BusMessage) -> None:
        done[m.turn_id] = time.perf_counter()

    bus.subscribe("user.message", nlu)
    bus.subscribe("nlu.parsed", dm)
    bus.subscribe("dm.decision", nlg)
    bus.subscribe("bot.turn", channel)
    sent: dict[int, float] = {}
    start = time.perf_counter()
    for i in range(turns):
        sent[i] = time.perf_counter()
        await bus.publish(UserMessage(conversation_id=f"c{i % conversations}", turn_id=i, text="x"))
        if i % conversations == conversations - 1:
            await bus.join()  # one wave of concurrent conversations at a time
    await bus.join()
    elapsed = time.perf_counter() - start
    latencies = [(done[i] - sent[i]) * 1e6 for i in range(turns)]
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20000)
    parser.add_argument("--conversations", type=int, default=64)
    args = parser.parse_args()
    baseline = asyncio.run(direct(args.turns, args.conversations))
    bus_time, latencies = asyncio.run(through_bus(args.turns, args.conversations))
    per_hop_bus = bus_time / (args.turns * HOPS) * 1e6
    per_hop_direct = baseline / (args.turns * HOPS) * 1e6
    table = Table(title=f"bus overhead: {args.turns} turns × {HOPS} hops, {args.conversations} conversations")
    for column in ("path", "µs per hop", "turns/s", "turn latency p50 µs", "p99 µs"):
        table.add_column(column, justify="right")
    table.add_row("direct awaited calls (baseline)", f"{per_hop_direct:.1f}", f"{args.turns / baseline:,.0f}", "-", "-")
    quantiles = statistics.quantiles(latencies, n=100)
    table.add_row("in-process bus", f"{per_hop_bus:.1f}", f"{args.turns / bus_time:,.0f}",
                  f"{quantiles[49]:.0f}", f"{quantiles[98]:.0f}")
    console = Console()
    console.print(table)
    console.print(f"bus / direct time ratio: {bus_time / baseline:.1f}x; "
                  f"added cost per hop: {per_hop_bus - per_hop_direct:.1f} µs")


if __name__ == "__main__":
    main()
