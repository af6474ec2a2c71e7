"""One log line per HTTP request or WebSocket session, on logger ``dialogue.access`` at INFO.

What is logged: client address, method, path (never the query string, which may carry a
token), status and duration; a WebSocket line also counts the frames each way. Message text is
never logged: bodies are not read here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("dialogue.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class AccessLog:
    """ASGI middleware: wraps an app and logs each request when its response is complete."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info("%s %s %s %d %.1f ms", _client(scope), scope.get("method", "?"), scope.get("path", ""),
                     status[0], (time.perf_counter() - started) * 1000)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        counts = {"in": 0, "out": 0}
        outcome = ["closed"]

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive":
                counts["in"] += 1
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "websocket.send":
                counts["out"] += 1
            elif message["type"] == "websocket.close" and counts["out"] == 0 and counts["in"] == 0:
                outcome[0] = f"refused ({message.get('code', 1000)})"
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        finally:
            log.info("%s WS %s %s after %.1f s, %d frames in, %d out", _client(scope), scope.get("path", ""),
                     outcome[0], time.perf_counter() - started, counts["in"], counts["out"])


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"


def log_to_stderr(name: str = "dialogue.access") -> None:
    """INFO lines of ``name`` to stderr with a timestamp, whatever the root logger's level."""
    logger = logging.getLogger(name)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
