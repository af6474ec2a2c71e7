"""Secrets never reach the logs: a filter that masks tokens in every record it passes.

uvicorn writes a WebSocket's path with its query string (``?token=...``) at info level, and an
access log would do the same for HTTP; a message or traceback may quote a header. The filter
masks ``token=...`` query parameters, ``Bearer ...`` credentials, JWT-shaped strings and the
configured secrets themselves, in the formatted message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"
_PATTERNS = (
    re.compile(r"(?i)([?&](?:access_)?token=)[^&\s\"']+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"()eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),  # a JWT, wherever it is
)


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with tokens and the given secrets masked (never drops a record)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def install(secrets: Iterable[str | None] = (), loggers: Iterable[str] = ("", "uvicorn", "uvicorn.error",
                                                                         "uvicorn.access")) -> RedactSecrets:
    """Add the filter to every handler of these loggers (handler filters also see propagated records)."""
    redactor = RedactSecrets(secrets)
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(redactor)
    return redactor
