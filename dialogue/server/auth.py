"""Who may call what: conversation tokens bound to one conversation, and an admin token.

* A **conversation token** is a JWT (HS256) with ``sub`` = the conversation id, ``aud`` =
  ``dialogue:conversation`` and an ``exp``; ``POST /conversations`` issues one with a new id.
  It opens that conversation's public routes (send a message, stream, renew the token) and no
  other conversation's. A deployment's own backend may mint them with any JWT library and the
  same secret.
* The **admin token** (a static secret) opens everything: tracker reads, restarts, choosing a
  conversation id, and unmasked sensitive slots.

Signing secret: ``ServerConfig.auth_secret``, or, when only an admin token is set, a key derived
from it (so one secret is enough). Neither set: the server is open (for development on
loopback); every caller is treated as a non-admin, so sensitive slots stay masked.
Tokens are compared in constant time; they never appear in logs (``dialogue.server.logs``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection

from dialogue.server.errors import ApiError

AUDIENCE = "dialogue:conversation"
ALGORITHM = "HS256"
MIN_SECRET_CHARS = 32
MIN_ADMIN_TOKEN_CHARS = 16
#: the last tokens whose signature was checked, kept so that a turn costs a dict look-up, not a decode
VERIFIED_CACHE = 10_000


@dataclass(frozen=True)
class Caller:
    """Who is calling: the admin, the holder of one conversation's token, or anyone (open server)."""

    admin: bool = False
    conversation_id: str | None = None
    expires_at: float | None = None

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at


ANYONE = Caller()
ADMIN = Caller(admin=True)


class Access:
    """Checks credentials for the routes and issues conversation tokens."""

    def __init__(self, secret: str | None = None, admin_token: str | None = None, ttl: float = 3600.0) -> None:
        if secret is not None and len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"the token signing secret must be at least {MIN_SECRET_CHARS} characters "
                             "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        if admin_token is not None and len(admin_token) < MIN_ADMIN_TOKEN_CHARS:
            raise ValueError(f"the admin token must be at least {MIN_ADMIN_TOKEN_CHARS} characters")
        if ttl <= 0:
            raise ValueError("the token lifetime must be positive")
        self._admin = admin_token.encode() if admin_token else None
        key = secret or (_derive(admin_token) if admin_token else None)
        self._key = key
        self.ttl = ttl
        # a conversation's token comes with each of its turns: decode and check the signature once
        self._verified: OrderedDict[str, Caller] = OrderedDict()

    def __repr__(self) -> str:  # never the secrets
        return f"Access(open={self.open}, tokens={self.issues_tokens}, admin={self._admin is not None})"

    @property
    def open(self) -> bool:
        """No credentials configured: anyone may call every route (sensitive slots stay masked)."""
        return self._key is None and self._admin is None

    @property
    def issues_tokens(self) -> bool:
        return self._key is not None

    # ------------------------------------------------------------------ issuing

    def issue(self, conversation_id: str, now: float | None = None) -> tuple[str, int]:
        """A token for ``conversation_id`` and its expiry (unix seconds)."""
        import jwt

        if self._key is None:
            raise RuntimeError("no signing secret configured")
        issued = int(now or time.time())
        expires = issued + int(self.ttl)
        token = jwt.encode({"sub": conversation_id, "aud": AUDIENCE, "iat": issued, "exp": expires},
                           self._key, algorithm=ALGORITHM)
        return token, expires

    # ------------------------------------------------------------------ checking

    def identify(self, conn: HTTPConnection) -> Caller:
        """The caller a request's credential names; 401 for a credential that is wrong or expired."""
        if self.open:
            return ANYONE
        token = presented_token(conn)
        if token is None:
            return ANYONE
        if self._admin is not None and hmac.compare_digest(token.encode(), self._admin):
            return ADMIN
        return self._verify(token)

    def _verify(self, token: str) -> Caller:
        caller = self._verified.get(token)
        if caller is None:
            caller = self._decode(token)
            self._verified[token] = caller
            if len(self._verified) > VERIFIED_CACHE:
                self._verified.popitem(last=False)
        if caller.expired():
            self._verified.pop(token, None)
            raise ApiError(401, "token_expired",
                           "The conversation token has expired; start a new conversation or renew it in time.")
        return caller

    def _decode(self, token: str) -> Caller:
        import jwt

        if self._key is None:
            raise ApiError(401, "unauthorized", "The token is not valid.")
        try:
            claims: dict[str, Any] = jwt.decode(token, self._key, algorithms=[ALGORITHM], audience=AUDIENCE,
                                                options={"require": ["exp", "sub", "aud"]})
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "token_expired",
                           "The conversation token has expired; start a new conversation or renew it in time.") from None
        except jwt.InvalidTokenError:
            raise ApiError(401, "unauthorized", "The token is not valid.") from None
        subject = claims.get("sub")
        if not isinstance(subject, str):
            raise ApiError(401, "unauthorized", "The token is not valid.")
        return Caller(conversation_id=subject, expires_at=float(claims["exp"]))

    def conversation(self, conn: HTTPConnection, conversation_id: str) -> Caller:
        """A public route of one conversation: its own token, or the admin's."""
        caller = self.identify(conn)
        if self.open or caller.admin:
            return caller
        if caller.conversation_id is None:
            raise ApiError(401, "unauthorized", "This conversation needs its token (Authorization: Bearer <token>); "
                                                "POST /conversations starts a conversation and issues one.")
        if caller.conversation_id != conversation_id:
            raise ApiError(403, "forbidden", "This token belongs to another conversation.")
        return caller

    def admin(self, conn: HTTPConnection) -> Caller:
        """An admin route (tracker, restart): the admin token; open servers let anyone in."""
        caller = self.identify(conn)
        if self.open or caller.admin:
            return caller
        if self._admin is None:
            raise ApiError(403, "forbidden", "This route needs the admin token, and the server has none configured.")
        if caller.conversation_id is not None:
            raise ApiError(403, "forbidden", "This route needs the admin token; a conversation token is not enough.")
        raise ApiError(401, "unauthorized", "This route needs the admin token (Authorization: Bearer <token>).")


def presented_token(conn: HTTPConnection) -> str | None:
    """The token from ``Authorization: Bearer ...``, or ``?token=`` (browsers cannot set WebSocket headers)."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.query_params.get("token") or None


def _derive(admin_token: str) -> str:
    """The signing key used when only an admin token is configured (not the admin token itself)."""
    return hmac.new(admin_token.encode(), b"dialogue conversation tokens", hashlib.sha256).hexdigest()
