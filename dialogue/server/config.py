"""Options of one server process: limits, access control, timeouts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServerConfig:
    #: the admin credential: tracker reads, restarts, choosing ids, unmasked slots; None: no admin
    admin_token: str | None = field(default=None, repr=False)
    #: signs conversation tokens (HS256); None: derived from ``admin_token``, or no tokens at all
    auth_secret: str | None = field(default=None, repr=False)
    #: seconds a conversation token is valid (renew with POST /conversations/{id}/token)
    token_ttl: float = 3600.0
    #: largest request body (or WebSocket message) accepted, in bytes (413 beyond)
    max_body_bytes: int = 64 * 1024
    #: deepest nesting of JSON arrays and objects in a body (422 beyond)
    max_json_depth: int = 32
    #: longest user message, in characters (422 beyond); None: the domain's max_message_chars
    max_text_chars: int | None = None
    #: seconds a turn may take before the request fails with 504
    turn_timeout: float = 30.0
    #: seconds graceful shutdown waits for in-flight turns
    shutdown_timeout: float = 30.0

    @property
    def access_control(self) -> bool:
        return self.admin_token is not None or self.auth_secret is not None
