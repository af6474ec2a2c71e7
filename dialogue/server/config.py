"""Options of one server process: limits, authentication, timeouts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerConfig:
    #: bearer token required on /conversations routes; None: no authentication
    token: str | None = None
    #: largest request body accepted, in bytes (413 beyond)
    max_body_bytes: int = 64 * 1024
    #: longest user message, in characters (422 beyond); None: the domain's max_message_chars
    max_text_chars: int | None = None
    #: seconds a turn may take before the request fails with 504
    turn_timeout: float = 30.0
    #: seconds graceful shutdown waits for in-flight turns
    shutdown_timeout: float = 30.0
