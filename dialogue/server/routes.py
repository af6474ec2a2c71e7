"""REST and WebSocket handlers. Input is validated with pydantic; every refusal is an ``ApiError``.

Who may call a route is checked first (``auth.Access``): a conversation's public routes need
its token, the tracker and restarts the admin token. What goes back to a non-admin caller has
sensitive slots masked (``dialogue.dm.redaction.ApiMasker``).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from dialogue.messages import BotToken
from dialogue.server.auth import Access, Caller
from dialogue.server.config import ServerConfig
from dialogue.server.errors import ApiError, count_error, error_body
from dialogue.server.openapi import openapi_schema
from dialogue.server.service import BotService
from dialogue.text import clean_text
from dialogue.turns import TurnResult

log = logging.getLogger("dialogue.server")

ID_CHARS = r"[A-Za-z0-9._:@-]{1,128}"
#: the whole id (``fullmatch``: a ``$`` would also match before a trailing newline)
CONVERSATION_ID = re.compile(ID_CHARS)


class TurnRequest(BaseModel):
    """A user message."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="What the user said.")
    channel: str = Field("api", max_length=64, description="Which channel it came from.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free-form data for actions and plugins.")


class StartRequest(BaseModel):
    """Starting a conversation; only the admin may choose its id."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = Field(None, pattern=f"^{ID_CHARS}$",
                                        description="The id to use (admin only); default: a new random id.")


# --------------------------------------------------------------------------- helpers


def _service(conn: HTTPConnection) -> BotService:
    service: BotService | None = getattr(conn.app.state, "service", None)
    if service is None:
        if getattr(conn.app.state, "start_error", None):
            raise ApiError(503, "not_ready", "The bot failed to start; the server log says why.")
        raise ApiError(503, "not_ready", "The bot is still starting.")
    return service


def _config(conn: HTTPConnection) -> ServerConfig:
    config: ServerConfig = conn.app.state.config
    return config


def _access(conn: HTTPConnection) -> Access:
    access: Access = conn.app.state.access
    return access


def _conversation_id(conn: HTTPConnection) -> str:
    conversation_id = str(conn.path_params["conversation_id"])
    if not CONVERSATION_ID.fullmatch(conversation_id):
        raise ApiError(400, "invalid_conversation_id",
                       "A conversation id is 1-128 characters of letters, digits and . _ : @ -")
    return conversation_id


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it passes ``limit``, whatever Content-Length said."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "body_too_large", f"The request body is larger than {limit} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"The request body is larger than {limit} bytes.")
    return bytes(body)


async def _read_json(request: Request, config: ServerConfig) -> Any:
    body = await _read_body(request, config.max_body_bytes)
    if not body:
        raise ApiError(400, "invalid_json", 'The request body is empty; send JSON like {"text": "hello"}.')
    return parse_json(body, config.max_json_depth, "request body")


def parse_json(raw: str | bytes, max_depth: int, what: str = "message") -> Any:
    """Decode JSON, refusing nesting deeper than ``max_depth`` (deep nesting would exhaust the stack)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        value = None
        too_deep = True
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "invalid_json", f"The {what} is not valid JSON: {exc}") from None
    else:
        too_deep = json_depth_exceeds(value, max_depth)
    if too_deep:
        raise ApiError(422, "too_deeply_nested", f"The {what} nests arrays or objects more than {max_depth} deep.")
    try:  # JSON may escape lone surrogates ("\ud800"), which no store, bus or response can encode
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "invalid_json", f"The {what} holds a lone surrogate escape, which is not text.") from None
    return value


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays/objects nest more than ``limit`` levels (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _turn_request(data: Any, max_chars: int) -> TurnRequest:
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", 'The body must be a JSON object like {"text": "hello"}.')
    try:
        turn = TurnRequest.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", "The message is not valid.", _details(exc)) from None
    text = clean_text(turn.text)  # the same cleaning as every channel: invisible characters are no text
    if not text:
        raise ApiError(422, "empty_text", "The text is blank or only invisible characters.")
    if len(turn.text) > max_chars:
        raise ApiError(422, "text_too_long", f"The text is longer than {max_chars} characters.")
    return turn.model_copy(update={"text": text})


def _max_chars(conn: HTTPConnection, service: BotService) -> int:
    return _config(conn).max_text_chars or service.bot.domain.settings.max_message_chars


def turn_json(conversation_id: str, result: TurnResult, service: BotService, caller: Caller) -> dict[str, Any]:
    """The REST reply (and the WebSocket ``turn`` frame); sensitive slots masked unless the caller is admin."""
    parse, decision = result.parse, result.decision
    entities = [e.model_dump(mode="json") for e in parse.entities] if parse is not None else []
    slots = decision.slots if decision is not None else {}
    events = [e.model_dump(mode="json", exclude={"conversation_id", "turn_id"}) for e in result.events]
    if not caller.admin:
        masker = service.masker
        entities, slots = [masker.entity(e) for e in entities], masker.slot_values(slots)
        events = [masker.event(e) for e in events]
    return {
        "conversation_id": conversation_id,
        "turn_id": result.turn_id,
        "messages": [m.model_dump(mode="json", exclude_defaults=True) for m in result.replies],
        "intent": parse.intent.model_dump(mode="json") if parse is not None and parse.intent.name else None,
        "entities": entities,
        "slots": slots,
        "events": events,
        "ended": decision.ended if decision is not None else False,
        "error": bool(result.errors),
    }


# --------------------------------------------------------------------------- REST


async def start_conversation(request: Request) -> Response:
    """A new conversation: its id, a token for it (when the server issues tokens) and the greeting."""
    access = _access(request)
    caller = access.identify(request)
    service = _service(request)
    config = _config(request)
    body = await _read_body(request, config.max_body_bytes)
    chosen: str | None = None
    if body.strip():
        try:
            start = StartRequest.model_validate(parse_json(body, config.max_json_depth, "request body"))
        except ValidationError as exc:
            raise ApiError(422, "invalid_request", "The request is not valid.", _details(exc)) from None
        chosen = start.conversation_id
    if chosen is not None and not (access.open or caller.admin):
        raise ApiError(403, "forbidden", "Only the admin may choose a conversation id; leave it out to get a new one.")
    conversation_id = chosen or secrets.token_urlsafe(12)
    reply: dict[str, Any] = {"conversation_id": conversation_id, "token": None, "expires_at": None}
    if access.issues_tokens:
        reply["token"], reply["expires_at"] = access.issue(conversation_id)
    greeting = await service.bot.greet(conversation_id)
    reply["messages"] = [m.model_dump(mode="json", exclude_defaults=True) for m in greeting]
    return JSONResponse(reply, status_code=201)


async def renew_token(request: Request) -> Response:
    """A fresh token for a conversation whose current token (or the admin's) is presented."""
    conversation_id = _conversation_id(request)
    access = _access(request)
    access.conversation(request, conversation_id)
    if not access.issues_tokens:
        raise ApiError(404, "not_found", "This server issues no conversation tokens.")
    token, expires = access.issue(conversation_id)
    return JSONResponse({"conversation_id": conversation_id, "token": token, "expires_at": expires})


async def post_message(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    caller = _access(request).conversation(request, conversation_id)
    service = _service(request)
    config = _config(request)
    turn = _turn_request(await _read_json(request, config), _max_chars(request, service))
    result = await service.handle(conversation_id, turn.text, turn.channel, turn.metadata, config.turn_timeout)
    return JSONResponse(turn_json(conversation_id, result, service, caller))


async def get_tracker(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    caller = _access(request).admin(request)
    service = _service(request)
    records = await service.tracker(conversation_id)
    if not records:
        raise ApiError(404, "conversation_not_found", f"No conversation {conversation_id!r} is stored.")
    if not caller.admin:
        records = service.masker.records(records)
    return JSONResponse({"conversation_id": conversation_id, "records": records})


async def restart(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    _access(request).admin(request)
    await _service(request).restart(conversation_id)
    return JSONResponse({"conversation_id": conversation_id, "restarted": True})


async def health(request: Request) -> Response:
    if getattr(request.app.state, "start_error", None):
        return JSONResponse({"status": "failed", "reason": "the bot failed to start"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    service: BotService | None = getattr(request.app.state, "service", None)
    if service is None or not service.accepting:
        failed = getattr(request.app.state, "start_error", None)
        reason = "failed to start" if failed else "starting" if service is None else "shutting down"
        return JSONResponse({"status": "not_ready", "reason": reason}, status_code=503)
    healthy = getattr(service.bus, "healthy", None)
    if healthy is not None and not await healthy():
        return JSONResponse({"status": "not_ready", "reason": "the bus is unreachable"}, status_code=503)
    return JSONResponse({"status": "ready", "domain": service.bot.domain.name, "in_flight": service.in_flight})


async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics
    return Response(registry.render(), media_type=registry.content_type)


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_schema(TurnRequest, StartRequest))


def _details(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]


# --------------------------------------------------------------------------- WebSocket


async def stream(websocket: WebSocket) -> None:
    """One user message in (``{"text": ...}``), tokens out as they are generated, then the whole turn.

    Any bad frame (not JSON, too deep, binary, invalid, or one that trips a bug) gets an error
    frame and the socket stays open; only an expired token closes it (code 1008).
    """
    try:
        conversation_id = _conversation_id(websocket)
        caller = _access(websocket).conversation(websocket, conversation_id)
        service = _service(websocket)
    except ApiError as exc:
        count_error(websocket, exc.code)
        await websocket.accept()
        await websocket.send_json(error_body(exc.code, exc.message) | {"type": "error"})
        await websocket.close(code=1008)
        return
    await websocket.accept()
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                return
            if caller.expired():
                await _send_error(websocket, ApiError(401, "token_expired", "The conversation token has expired."))
                await websocket.close(code=1008)
                return
            try:
                await _stream_turn(websocket, service, conversation_id, caller, frame)
            except ApiError as exc:
                await _send_error(websocket, exc)
            except WebSocketDisconnect:
                raise
            except Exception:  # noqa: BLE001 - a bug must not drop the socket: report it, keep serving
                log.exception("unhandled error on the stream of %s", conversation_id)
                await _send_error(websocket, ApiError(500, "internal_error", "The server failed to handle this message."))
    except WebSocketDisconnect:  # the client left
        return


async def _stream_turn(websocket: WebSocket, service: BotService, conversation_id: str, caller: Caller,
                       frame: Any) -> None:
    config = _config(websocket)
    raw = frame.get("text")
    if raw is None:
        raise ApiError(400, "binary_frame", 'Send each message as a text frame of JSON like {"text": "hello"}.')
    if len(raw.encode()) > config.max_body_bytes:
        raise ApiError(413, "body_too_large", f"The message is larger than {config.max_body_bytes} bytes.")
    turn = _turn_request(parse_json(raw, config.max_json_depth), _max_chars(websocket, service))

    async def send_token(token: BotToken) -> None:
        await websocket.send_json({"type": "token", "turn_id": token.turn_id, "index": token.index,
                                   "delta": token.delta})

    result = await service.handle(conversation_id, turn.text, turn.channel, turn.metadata,
                                  config.turn_timeout, on_token=send_token)
    await websocket.send_json({"type": "turn", **turn_json(conversation_id, result, service, caller)})


async def _send_error(websocket: WebSocket, exc: ApiError) -> None:
    count_error(websocket, exc.code)
    await websocket.send_json({"type": "error", **error_body(exc.code, exc.message, exc.details)})


ROUTES = [
    Route("/conversations", start_conversation, methods=["POST"]),
    Route("/conversations/{conversation_id}/messages", post_message, methods=["POST"]),
    Route("/conversations/{conversation_id}/token", renew_token, methods=["POST"]),
    Route("/conversations/{conversation_id}/tracker", get_tracker, methods=["GET"]),
    Route("/conversations/{conversation_id}/restart", restart, methods=["POST"]),
    WebSocketRoute("/conversations/{conversation_id}/stream", stream),
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]
