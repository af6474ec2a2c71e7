"""uvicorn's server, saying where it listens and when the bot behind it is ready.

The port opens at once and the bot loads in the background (``dialogue.server.app``), so there
are two moments to announce: the sockets are bound (the real port, also for ``--port 0``), and the
bot can chat (``/ready`` answers 200). Whichever comes last prints the ``serving`` line.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn


class ListeningServer(uvicorn.Server):
    """Prints ``listening on URL`` once bound and ``serving NAME on URL`` once the bot is ready too."""

    def __init__(self, config: uvicorn.Config, name: str, token: bool = False) -> None:
        super().__init__(config)
        self.name, self.token = name, token
        self._bound = self._ready = self._announced = False

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        self._bound = True
        if not self._ready:
            print(f"listening on {', '.join(self.urls())}: loading {self.name} (the first start trains its NLU); "
                  "/ready answers 200 once it can chat", file=sys.stderr, flush=True)
        self._announce()

    def ready(self) -> None:
        """The app calls this when its bot has loaded."""
        self._ready = True
        self._announce()

    def _announce(self) -> None:
        if not (self._bound and self._ready) or self._announced:
            return
        self._announced = True
        for url in self.urls():
            print(f"serving {self.name} on {url}  (POST /conversations, POST /conversations/ID/messages, "
                  f"WS /conversations/ID/stream, GET /openapi.json{'; tokens required' if self.token else ''}). "
                  "Ctrl-C stops.", file=sys.stderr, flush=True)

    def urls(self) -> list[str]:
        found = []
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                found.append(f"http://{f'[{host}]' if ':' in host else host}:{port}")
        return found
