"""HTTP and WebSocket serving of a bot: ``create_app`` builds the ASGI app (Starlette).

Modules, one job each: ``config`` (limits and options), ``errors`` (JSON error bodies),
``auth`` (conversation tokens and the admin token), ``metrics`` (Prometheus), ``service`` (a
running bot and its in-flight turns), ``routes`` (REST + WebSocket handlers), ``openapi`` (the
schema), ``build`` (bot + bus + store from a domain folder), ``app`` (factory and background
start-up), ``runner`` (uvicorn as ``dialogue serve`` runs it), ``logs`` (secrets masked in logs).
"""

from __future__ import annotations

from dialogue.server.app import create_app, started
from dialogue.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app", "started"]
