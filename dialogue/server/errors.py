"""Every error leaves the server as ``{"error": {"code": ..., "message": ...}}`` with a 4xx/5xx status."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import JSONResponse

log = logging.getLogger("dialogue.server")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_request",
               503: "unavailable", 504: "turn_timeout"}


class ApiError(Exception):
    """A request the server refuses, with the status, a stable code and a human message."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


async def api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    count_error(request, exc.code)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=headers)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    count_error(request, code)
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def client_disconnected(request: Request, exc: Exception) -> JSONResponse:
    """The client left before sending its whole body: nobody to answer, nothing went wrong here."""
    log.debug("client left during the body of %s %s", request.method, request.url.path)
    count_error(request, "client_disconnected")
    return JSONResponse(error_body("client_disconnected", "The client closed the connection."), status_code=400)


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    count_error(request, "internal_error")
    return JSONResponse(error_body("internal_error", "The server failed to handle this request."), status_code=500)


def count_error(conn: HTTPConnection, code: str) -> None:
    metrics = getattr(conn.app.state, "metrics", None)
    if metrics is not None:
        metrics.http_errors.labels(code=code).inc()



EXCEPTION_HANDLERS = {ApiError: api_error, HTTPException: http_error, ClientDisconnect: client_disconnected,
                      Exception: server_error}
