"""Dialogue-manager benchmark: decision time per turn, and tracker-store latency per backend.

    python benchmarks/dm.py [--conversations 200] [--writes 300] [--json OUT]

Decision time is ``RuleDialogueManager.handle`` on ready-made parses (no NLU, no NLG) with an
in-memory store, over scripted conversations of the test domain (rules, a form with a
correction and a digression, fallbacks, custom actions); target p50 <= 1 ms. Store latency is
one turn's append (6 records) and a 40-turn load, against real servers started in temp folders.
Ratios compare with the in-memory store measured in the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dm"))  # the test domain's actions and parse helper

import dm_actions  # noqa: E402,F401 - registers the test domain's actions
from dm_helpers import DOMAIN_DIR, make_manager, parse  # noqa: E402

from dialogue.domain import load_domain  # noqa: E402
from dialogue.stores.memory import MemoryStore  # noqa: E402

TARGET_P50_MS = 1.0

#: one scripted conversation: (intent, entities) per user turn
SCRIPT: list[tuple[str, dict[str, Any]]] = [
    ("greet", {}),
    ("book", {"day": "monday"}),
    ("ask_hours", {}),  # digression
    ("inform", {"people": 3}),
    ("inform", {"day": "tuesday"}),  # correction
    ("inform", {"email": "a@b.org"}),
    ("affirm", {}),  # submit action
    ("order_status", {"order_id": "12345"}),  # custom action
    ("nlu_fallback", {}),  # clarification
    ("spend", {"amount": 250}),  # expression rule
    ("goodbye", {}),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def decision_times(conversations: int, store_factory: Callable[[], Any] = MemoryStore) -> list[float]:
    domain = load_domain(DOMAIN_DIR)
    manager = make_manager(domain, store_factory())
    times: list[float] = []
    for n in range(conversations):
        for intent, entities in SCRIPT:
            message = parse(f"bench-{n}", intent, confidence=0.9 if intent != "nlu_fallback" else 0.2, **entities)
            start = time.perf_counter()
            await manager.handle(message)
            times.append((time.perf_counter() - start) * 1000)
    await manager.close()
    return times


async def long_history_times(turns: int) -> list[float]:
    """Per-turn time after ``turns`` earlier turns in the same conversation (no growth expected)."""
    domain = load_domain(DOMAIN_DIR)
    manager = make_manager(domain, MemoryStore())
    for _ in range(turns):
        await manager.handle(parse("long", "ask_hours"))
    times = []
    for _ in range(200):
        start = time.perf_counter()
        await manager.handle(parse("long", "ask_hours"))
        times.append((time.perf_counter() - start) * 1000)
    return times


TURN_RECORDS = [
    {"type": "user", "turn": 1, "ts": 0.0, "text": "book for 3 on monday", "intent": "book", "confidence": 0.93,
     "entities": [{"type": "day", "value": "monday", "text": "monday", "start": 14, "end": 20}]},
    {"type": "slot", "turn": 1, "ts": 0.0, "name": "day", "value": "monday"},
    {"type": "slot", "turn": 1, "ts": 0.0, "name": "people", "value": 3},
    {"type": "form_start", "turn": 1, "ts": 0.0, "name": "booking"},
    {"type": "form_state", "turn": 1, "ts": 0.0, "requested": "email", "attempts": {}, "confirming": False},
    {"type": "bot", "turn": 1, "ts": 0.0, "acts": ["utter_ask_email"]},
]


async def store_latency(store: Any, writes: int) -> dict[str, float]:
    append_ms: list[float] = []
    for i in range(writes):
        start = time.perf_counter()
        await store.append(f"w{i % 50}", TURN_RECORDS)
        append_ms.append((time.perf_counter() - start) * 1000)
    for _ in range(40):
        await store.append("long", TURN_RECORDS)
    load_ms: list[float] = []
    for _ in range(max(20, writes // 10)):
        start = time.perf_counter()
        records = await store.load("long")
        load_ms.append((time.perf_counter() - start) * 1000)
    assert len(records) == 40 * len(TURN_RECORDS)
    await store.close()
    return {"append_p50": percentile(append_ms, 0.5), "append_p95": percentile(append_ms, 0.95),
            "load40_p50": percentile(load_ms, 0.5)}


async def backends(writes: int, tmp: Path) -> dict[str, dict[str, float] | str]:
    from dialogue.stores.postgres import PostgresStore
    from dialogue.stores.redis import RedisStore
    from dialogue.stores.sqlite import SQLiteStore
    from dialogue.testing.services import ServiceUnavailable, postgres_server, redis_server

    results: dict[str, dict[str, float] | str] = {}
    results["memory"] = await store_latency(MemoryStore(), writes)
    results["sqlite"] = await store_latency(SQLiteStore(tmp / "bench.sqlite3"), writes)
    servers: list[tuple[str, Callable[[], Any], Callable[[str], Any]]] = [
        ("redis", redis_server, RedisStore), ("postgres", postgres_server, PostgresStore),
    ]
    for name, server, store_cls in servers:
        try:
            with server() as address:
                results[name] = await store_latency(store_cls(address), writes)
        except ServiceUnavailable as exc:
            results[name] = f"unavailable: {exc}"
    return results


def row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile

    await decision_times(5)  # warm-up: imports, caches
    times = await decision_times(args.conversations)
    short_times = await long_history_times(10)
    long_times = await long_history_times(1000)
    with tempfile.TemporaryDirectory() as folder:
        sqlite_turns = await decision_times(
            max(10, args.conversations // 10),
            lambda: __import__("dialogue.stores.sqlite", fromlist=["SQLiteStore"]).SQLiteStore(Path(folder) / "dm.sqlite3"),
        )
        stores = await backends(args.writes, Path(folder))

    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    widths = [44, 10, 10, 12]
    print(f"DM decision time per turn ({len(times)} turns, {len(SCRIPT)}-turn script, in-memory store)")
    print(row(["measure", "p50 ms", "p95 ms", "vs target"], widths))
    print(row(["decision (rules, forms, actions)", f"{p50:.3f}", f"{p95:.3f}", f"{p50 / TARGET_P50_MS:.2f}x of 1ms"], widths))
    lp50, short_p50 = percentile(long_times, 0.5), percentile(short_times, 0.5)
    print(row(["one rule turn after 10 earlier turns", f"{short_p50:.3f}", f"{percentile(short_times, 0.95):.3f}",
               "baseline"], widths))
    print(row(["one rule turn after 1000 earlier turns", f"{lp50:.3f}", f"{percentile(long_times, 0.95):.3f}",
               f"{lp50 / short_p50:.2f}x"], widths))
    sp50 = percentile(sqlite_turns, 0.5)
    print(row(["decision + SQLite write (whole handle)", f"{sp50:.3f}", f"{percentile(sqlite_turns, 0.95):.3f}",
               f"{sp50 / p50:.2f}x memory"], widths))
    print()
    print(f"Tracker store latency ({args.writes} appends of one {len(TURN_RECORDS)}-record turn; load of 40 turns)")
    print(row(["backend", "append p50", "append p95", "load40 p50"], [10, 12, 12, 12]) + "   append vs memory")
    memory = stores["memory"]
    assert isinstance(memory, dict)
    for name, result in stores.items():
        if isinstance(result, str):
            print(f"{name:<10}  {result}")
            continue
        ratio = result["append_p50"] / memory["append_p50"] if memory["append_p50"] else float("nan")
        print(row([name, f"{result['append_p50']:.3f} ms", f"{result['append_p95']:.3f} ms",
                   f"{result['load40_p50']:.3f} ms"], [10, 12, 12, 12]) + f"   {ratio:,.0f}x")
    return {
        "decision_ms": {"p50": p50, "p95": p95, "turns": len(times)},
        "decision_history_10_ms": {"p50": short_p50},
        "decision_history_1000_ms": {"p50": lp50, "p95": percentile(long_times, 0.95)},
        "decision_with_sqlite_ms": {"p50": sp50, "p95": percentile(sqlite_turns, 0.95)},
        "stores": stores,
        "target_p50_ms": TARGET_P50_MS,
        "meets_target": p50 <= TARGET_P50_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--json", help="write the figures as JSON here")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
