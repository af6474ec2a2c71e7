"""REST and WebSocket handlers. Input is validated with pydantic; every refusal is an ``ApiError``."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from dialogue.messages import BotToken
from dialogue.server.auth import check_token
from dialogue.server.config import ServerConfig
from dialogue.server.errors import ApiError, error_body
from dialogue.server.openapi import openapi_schema
from dialogue.server.service import BotService, TurnResult
from dialogue.text import clean_text

CONVERSATION_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


class TurnRequest(BaseModel):
    """A user message."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="What the user said.")
    channel: str = Field("api", max_length=64, description="Which channel it came from.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free-form data for actions and plugins.")


# --------------------------------------------------------------------------- helpers


def _service(conn: HTTPConnection) -> BotService:
    service: BotService | None = getattr(conn.app.state, "service", None)
    if service is None:
        raise ApiError(503, "not_ready", "The bot is still starting.")
    return service


def _config(conn: HTTPConnection) -> ServerConfig:
    config: ServerConfig = conn.app.state.config
    return config


def _conversation_id(conn: HTTPConnection) -> str:
    conversation_id = str(conn.path_params["conversation_id"])
    if not CONVERSATION_ID.match(conversation_id):
        raise ApiError(400, "invalid_conversation_id",
                       "A conversation id is 1-128 characters of letters, digits and . _ : @ -")
    return conversation_id


async def _read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "body_too_large", f"The request body is larger than {limit} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"The request body is larger than {limit} bytes.")
    if not body:
        raise ApiError(400, "invalid_json", 'The request body is empty; send JSON like {"text": "hello"}.')
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {exc}") from None


def _turn_request(data: Any, max_chars: int) -> TurnRequest:
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", 'The body must be a JSON object like {"text": "hello"}.')
    try:
        turn = TurnRequest.model_validate(data)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise ApiError(422, "invalid_request", "The message is not valid.", details) from None
    text = clean_text(turn.text)  # the same cleaning as every channel: invisible characters are no text
    if not text:
        raise ApiError(422, "empty_text", "The text is blank or only invisible characters.")
    if len(turn.text) > max_chars:
        raise ApiError(422, "text_too_long", f"The text is longer than {max_chars} characters.")
    return turn.model_copy(update={"text": text})


def _max_chars(conn: HTTPConnection, service: BotService) -> int:
    return _config(conn).max_text_chars or service.bot.domain.settings.max_message_chars


def turn_json(conversation_id: str, result: TurnResult) -> dict[str, Any]:
    parse, decision = result.record.parse, result.record.decision
    return {
        "conversation_id": conversation_id,
        "turn_id": result.turn.turn_id,
        "messages": [m.model_dump(mode="json", exclude_defaults=True) for m in result.turn.messages],
        "intent": parse.intent.model_dump(mode="json") if parse is not None and parse.intent.name else None,
        "entities": [e.model_dump(mode="json") for e in parse.entities] if parse is not None else [],
        "slots": decision.slots if decision is not None else {},
        "events": [e.model_dump(mode="json", exclude={"conversation_id", "turn_id"}) for e in result.record.events],
        "ended": decision.ended if decision is not None else False,
        "error": bool(result.record.errors),
    }


# --------------------------------------------------------------------------- REST


async def post_message(request: Request) -> Response:
    check_token(request, _config(request).token)
    conversation_id = _conversation_id(request)
    service = _service(request)
    turn = _turn_request(await _read_json(request, _config(request).max_body_bytes), _max_chars(request, service))
    timeout = _config(request).turn_timeout
    result = await service.handle(conversation_id, turn.text, turn.channel, turn.metadata, timeout)
    return JSONResponse(turn_json(conversation_id, result))


async def get_tracker(request: Request) -> Response:
    check_token(request, _config(request).token)
    conversation_id = _conversation_id(request)
    records = await _service(request).tracker(conversation_id)
    if not records:
        raise ApiError(404, "conversation_not_found", f"No conversation {conversation_id!r} is stored.")
    return JSONResponse({"conversation_id": conversation_id, "records": records})


async def restart(request: Request) -> Response:
    check_token(request, _config(request).token)
    conversation_id = _conversation_id(request)
    await _service(request).restart(conversation_id)
    return JSONResponse({"conversation_id": conversation_id, "restarted": True})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    service: BotService | None = getattr(request.app.state, "service", None)
    if service is None or not service.accepting:
        reason = "starting" if service is None else "shutting down"
        return JSONResponse({"status": "not_ready", "reason": reason}, status_code=503)
    healthy = getattr(service.bus, "healthy", None)
    if healthy is not None and not await healthy():
        return JSONResponse({"status": "not_ready", "reason": "the bus is unreachable"}, status_code=503)
    return JSONResponse({"status": "ready", "domain": service.bot.domain.name, "in_flight": service.in_flight})


async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics
    return Response(registry.render(), media_type=registry.content_type)


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_schema(TurnRequest))


# --------------------------------------------------------------------------- WebSocket


async def stream(websocket: WebSocket) -> None:
    """One user message in (``{"text": ...}``), tokens out as they are generated, then the whole turn."""
    try:
        check_token(websocket, _config(websocket).token)
        conversation_id = _conversation_id(websocket)
        service = _service(websocket)
    except ApiError as exc:
        await websocket.accept()
        await websocket.send_json(error_body(exc.code, exc.message) | {"type": "error"})
        await websocket.close(code=1008)
        return
    await websocket.accept()
    limit = _config(websocket).max_body_bytes
    try:
        while True:
            raw = await websocket.receive_text()
            try:
                if len(raw.encode()) > limit:
                    raise ApiError(413, "body_too_large", f"The message is larger than {limit} bytes.")
                try:
                    data = json.loads(raw)
                except ValueError as exc:
                    raise ApiError(400, "invalid_json", f"The message is not valid JSON: {exc}") from None
                turn = _turn_request(data, _max_chars(websocket, service))

                async def send_token(token: BotToken) -> None:
                    await websocket.send_json({"type": "token", "turn_id": token.turn_id, "index": token.index,
                                               "delta": token.delta})

                result = await service.handle(conversation_id, turn.text, turn.channel, turn.metadata,
                                              _config(websocket).turn_timeout, on_token=send_token)
                await websocket.send_json({"type": "turn", **turn_json(conversation_id, result)})
            except ApiError as exc:
                await websocket.send_json({"type": "error", **error_body(exc.code, exc.message, exc.details)})
    except WebSocketDisconnect:
        return


ROUTES = [
    Route("/conversations/{conversation_id}/messages", post_message, methods=["POST"]),
    Route("/conversations/{conversation_id}/tracker", get_tracker, methods=["GET"]),
    Route("/conversations/{conversation_id}/restart", restart, methods=["POST"]),
    WebSocketRoute("/conversations/{conversation_id}/stream", stream),
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]
