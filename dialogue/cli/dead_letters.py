"""``dialogue dead-letters list|replay|drop --bus redis://...``: the Redis bus's poison messages."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "dead-letters",
        help="list, replay or drop messages that killed their workers (Redis bus)",
        description="A message delivered --max-deliveries times without being acknowledged (each worker that "
                    "took it died or hung) is set aside in PREFIX:dead, and its turn got the error response. "
                    "List them, replay one once the cause is fixed (it goes back to its stream, for the stage "
                    "that failed on it only), or drop it.",
    )
    parser.add_argument("action", choices=("list", "replay", "drop"))
    parser.add_argument("ids", nargs="*", help="dead-letter ids (from `list`); replay/drop need ids or --all")
    parser.add_argument("--bus", required=True, help="redis://HOST:PORT[/DB] of the bus")
    parser.add_argument("--prefix", default="dialogue", help="the bus's key prefix (default dialogue)")
    parser.add_argument("--all", action="store_true", help="replay/drop every dead letter")
    parser.add_argument("--json", action="store_true", help="list as JSON lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from redis.exceptions import RedisError

    from dialogue.bus.redis import is_redis_url

    if not is_redis_url(args.bus):
        print(f"error: --bus {args.bus!r} is not a redis:// URL", file=sys.stderr)
        return 2
    if args.action != "list" and not args.ids and not args.all:
        print(f"error: {args.action} needs dead-letter ids or --all", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args))
    except (OSError, RedisError) as exc:
        print(f"error: cannot reach the bus at {args.bus}: {exc}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace) -> int:
    import dataclasses
    import time

    import redis.asyncio as aioredis

    from dialogue.bus.dead_letters import DeadLetters

    client = aioredis.from_url(args.bus, decode_responses=True)
    try:
        letters = DeadLetters(client, args.prefix)
        found = await letters.list()
        if args.action == "list":
            for letter in found:
                if args.json:
                    print(json.dumps(dataclasses.asdict(letter)))
                else:
                    age = time.time() - letter.at
                    print(f"{letter.id}  {age:7.0f} s ago  {letter.summary}")
            if not args.json:
                print(f"{len(found)} dead letter(s) in {letters.stream}")
            return 0
        ids = [letter.id for letter in found] if args.all else args.ids
        if args.action == "replay":
            done = await letters.replay(ids)
            print(f"replayed {len(done)} of {len(ids)}")
            return 0 if len(done) == len(ids) else 1
        dropped = await letters.drop(ids)
        print(f"dropped {dropped} of {len(ids)}")
        return 0 if dropped == len(ids) else 1
    finally:
        await client.aclose()
