"""``dialogue serve DOMAIN``: the HTTP/WebSocket server (Starlette on uvicorn)."""

from __future__ import annotations

import argparse
import os


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="serve a domain's bot over HTTP and WebSocket",
        description="Serve a bot: REST (POST /conversations/{id}/messages), WebSocket streaming, /health, /ready, "
                    "/metrics (Prometheus) and /openapi.json. With --bus redis://..., this process is a gateway "
                    "and `dialogue worker nlu|dm|nlg` processes run the components.",
    )
    parser.add_argument("domain", help="domain folder")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5005, help="port to listen on (default 5005)")
    parser.add_argument("--bus", default="memory", help="'memory' (one process) or redis://HOST:PORT (gateway)")
    parser.add_argument("--store", help="tracker store URL (redis://..., postgresql://..., sqlite:///...)")
    parser.add_argument("--admin-token", "--token", dest="admin_token",
                        default=os.environ.get("DIALOGUE_ADMIN_TOKEN") or os.environ.get("DIALOGUE_TOKEN"),
                        help="admin credential (tracker, restart, any conversation); also signs conversation tokens "
                             "unless --auth-secret is given (default: $DIALOGUE_ADMIN_TOKEN; prefer the variable: "
                             "a command line is visible to other users)")
    parser.add_argument("--auth-secret", default=os.environ.get("DIALOGUE_AUTH_SECRET"),
                        help="secret signing conversation tokens, >= 32 characters (default: $DIALOGUE_AUTH_SECRET)")
    parser.add_argument("--token-ttl", type=float, default=3600.0, help="seconds a conversation token is valid")
    parser.add_argument("--open", action="store_true",
                        help="allow serving without access control on a non-loopback address")
    parser.add_argument("--max-body-bytes", type=int, default=64 * 1024, help="largest request body (default 64 KiB)")
    parser.add_argument("--max-json-depth", type=int, default=32, help="deepest JSON nesting in a body (default 32)")
    parser.add_argument("--max-text-chars", type=int, help="longest message (default: the domain's max_message_chars)")
    parser.add_argument("--turn-timeout", type=float, default=30.0, help="seconds before a turn fails with 504")
    parser.add_argument("--shutdown-timeout", type=float, default=30.0, help="seconds to finish in-flight turns")
    parser.add_argument("--no-batching", action="store_true", help="parse messages one at a time")
    parser.add_argument("--batch-size", type=int, default=32, help="largest NLU micro-batch (default 32)")
    parser.add_argument("--batch-wait-ms", type=float, default=2.0, help="longest wait for an NLU batch to fill")
    parser.add_argument("--no-train", action="store_true", help="fail instead of training a missing NLU model")
    parser.add_argument("--shards", type=int, default=16, help="redis bus shards; the same on every process")
    parser.add_argument("--prefix", default="dialogue", help="redis bus key prefix; the same on every process")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="do not log a line per request (client, method, path, status, time; never message text)")
    parser.set_defaults(func=run)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def run(args: argparse.Namespace) -> int:
    import sys

    from dialogue.deployment import bus_backend, check_shared_store, with_store
    from dialogue.domain import DomainError, load_domain
    from dialogue.registry import PluginError
    from dialogue.server import ServerConfig, create_app
    from dialogue.server.service_builder import BotOptions, build_service
    from dialogue.server.uvicorn_runner import serve

    try:
        shared = bus_backend(args.bus).distributed
    except (ValueError, PluginError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        domain = with_store(load_domain(args.domain), args.store)  # fail fast, listing every problem
        if shared:
            check_shared_store(domain)
    except DomainError as exc:
        print(f"error: {args.domain} has problems; run `dialogue validate {args.domain}`:\n{exc}", file=sys.stderr)
        return 1
    except (ValueError, PluginError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    options = BotOptions(bus=args.bus, store=args.store, batching=not args.no_batching, max_batch=args.batch_size,
                         max_wait_ms=args.batch_wait_ms, train=not args.no_train, shards=args.shards,
                         prefix=args.prefix)
    config = ServerConfig(admin_token=args.admin_token or None, auth_secret=args.auth_secret or None,
                          token_ttl=args.token_ttl, max_body_bytes=args.max_body_bytes,
                          max_json_depth=args.max_json_depth, max_text_chars=args.max_text_chars,
                          turn_timeout=args.turn_timeout, shutdown_timeout=args.shutdown_timeout)
    if not config.access_control and args.host not in LOOPBACK and not args.open:
        print(f"error: serving on {args.host} without access control lets anyone read and write every "
              "conversation; set $DIALOGUE_ADMIN_TOKEN (or $DIALOGUE_AUTH_SECRET), or pass --open to accept that",
              file=sys.stderr)
        return 2
    try:
        app = create_app(lambda metrics: build_service(args.domain, options, metrics), config)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return serve(app, args.host, args.port, log_level=args.log_level, shutdown_timeout=args.shutdown_timeout,
                 name=domain.name, access_log=not args.no_access_log)
