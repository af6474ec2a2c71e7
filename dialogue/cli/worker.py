"""``dialogue worker nlu|dm|nlg DOMAIN --bus redis://HOST:PORT``: run one pipeline stage per process."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "worker",
        help="run one component (nlu, dm or nlg) on a Redis Streams bus",
        description="Run one stage of a domain's pipeline as a worker process. Start as many of each kind as "
                    "the load needs; they share it and take over each other's messages if one dies.",
    )
    parser.add_argument("kind", choices=("nlu", "dm", "nlg"), help="which stage this process runs")
    parser.add_argument("domain", help="domain folder")
    parser.add_argument("--bus", required=True, help="redis://HOST:PORT[/DB] of the shared bus")
    parser.add_argument("--store", help="tracker store URL (redis://..., postgresql://...) overriding the domain's")
    parser.add_argument("--shards", type=int, default=16, help="bus shards; the same on every process (default 16)")
    parser.add_argument("--prefix", default="dialogue", help="Redis key prefix; the same on every process")
    parser.add_argument("--lease-ms", type=int, default=3000, help="shard lease; a dead worker's shards move after it")
    parser.add_argument("--claim-idle-ms", type=int, default=1000,
                        help="min idle time before a dead worker's pending messages are claimed")
    parser.add_argument("--max-deliveries", type=int, default=3,
                        help="a message delivered this often without an ack (it killed or hung its worker) goes to "
                             "the dead letters (`dialogue dead-letters`); 0: never")
    parser.add_argument("--no-batching", action="store_true", help="nlu: parse messages one at a time")
    parser.add_argument("--batch-size", type=int, default=32, help="nlu: largest micro-batch (default 32)")
    parser.add_argument("--batch-wait-ms", type=float, default=2.0, help="nlu: longest wait for a batch to fill")
    parser.add_argument("--no-train", action="store_true", help="nlu: fail instead of training a missing model")
    parser.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on 127.0.0.1:PORT")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from redis.exceptions import RedisError

    from dialogue.deployment import bus_backend
    from dialogue.domain import DomainError
    from dialogue.registry import PluginError
    from dialogue.workers import WorkerOptions, run_worker

    try:
        shared = bus_backend(args.bus).distributed
    except (ValueError, PluginError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not shared:
        print(f"error: --bus {args.bus!r}: a worker needs a bus shared with the other processes (redis://...)",
              file=sys.stderr)
        return 2
    options = WorkerOptions(
        kind=args.kind, bus=args.bus, store=args.store, shards=args.shards, prefix=args.prefix,
        lease_ms=args.lease_ms, claim_idle_ms=args.claim_idle_ms, max_deliveries=args.max_deliveries,
        batching=not args.no_batching,
        max_batch=args.batch_size, max_wait_ms=args.batch_wait_ms, train=not args.no_train,
        metrics_port=args.metrics_port,
    )
    try:
        asyncio.run(run_worker(args.domain, options))
    except (DomainError, PluginError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (OSError, RedisError) as exc:
        print(f"error: cannot reach the bus at {args.bus}: {exc}", file=sys.stderr)
        return 1
    return 0
