"""Optional bearer-token authentication (constant-time comparison)."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from dialogue.server.errors import ApiError


def presented_token(conn: HTTPConnection) -> str | None:
    """The token from ``Authorization: Bearer ...``, or ``?token=`` (browsers cannot set WebSocket headers)."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.query_params.get("token")


def check_token(conn: HTTPConnection, expected: str | None) -> None:
    if expected is None:
        return
    token = presented_token(conn)
    if token is None:
        raise ApiError(401, "unauthorized", "This server requires a bearer token (Authorization: Bearer <token>).")
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "The token is not valid.")
