"""uvicorn's server, saying where it listens once the bot is loaded and its sockets are bound."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn


class ListeningServer(uvicorn.Server):
    """Prints ``serving NAME on http://HOST:PORT`` to stderr when it is ready (the real port, also for ``--port 0``)."""

    def __init__(self, config: uvicorn.Config, name: str, token: bool = False) -> None:
        super().__init__(config)
        self.name, self.token = name, token

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        for url in self.urls():
            print(f"serving {self.name} on {url}  (POST /conversations/ID/messages, WS /conversations/ID/stream, "
                  f"GET /openapi.json{'; token required' if self.token else ''}). Ctrl-C stops.",
                  file=sys.stderr, flush=True)

    def urls(self) -> list[str]:
        found = []
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                found.append(f"http://{f'[{host}]' if ':' in host else host}:{port}")
        return found
