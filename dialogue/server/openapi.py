"""The OpenAPI 3.1 document of the REST API (request bodies from the pydantic models).

The property-based tests (``tests/server/test_server_fuzz.py``) generate requests from this
document and check every answer against it, so it says exactly what each route returns.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}},
}
_MESSAGES = {"type": "array", "items": {"type": "object", "required": ["text"], "properties": {
    "text": {"type": "string"}, "buttons": {"type": "array"}, "response": {"type": "string"},
    "generated": {"type": "boolean"}, "payload": {"type": "object"}}}}
_TURN = {
    "type": "object",
    "required": ["conversation_id", "turn_id", "messages", "intent", "entities", "slots", "events", "ended", "error"],
    "properties": {
        "conversation_id": {"type": "string"},
        "turn_id": {"type": "integer"},
        "messages": _MESSAGES,
        "intent": {"type": ["object", "null"], "properties": {"name": {"type": "string"},
                                                              "confidence": {"type": "number"}}},
        "entities": {"type": "array", "items": {"type": "object"}},
        "slots": {"type": "object", "description": "Slots after the turn; sensitive ones are *** unless admin."},
        "events": {"type": "array", "items": {"type": "object", "properties": {"kind": {"type": "string"}}}},
        "ended": {"type": "boolean"},
        "error": {"type": "boolean", "description": "A component failed; the messages are the error response."},
    },
}
_STARTED = {
    "type": "object",
    "required": ["conversation_id", "token", "expires_at", "messages"],
    "properties": {
        "conversation_id": {"type": "string"},
        "token": {"type": ["string", "null"], "description": "The conversation token (null on an open server)."},
        "expires_at": {"type": ["integer", "null"], "description": "When the token expires (unix seconds)."},
        "messages": _MESSAGES,
    },
}
_TOKEN = {"type": "object", "required": ["conversation_id", "token", "expires_at"], "properties": {
    "conversation_id": {"type": "string"}, "token": {"type": "string"}, "expires_at": {"type": "integer"}}}
_TRACKER = {"type": "object", "required": ["conversation_id", "records"], "properties": {
    "conversation_id": {"type": "string"}, "records": {"type": "array", "items": {"type": "object"}}}}
_RESTARTED = {"type": "object", "required": ["conversation_id", "restarted"], "properties": {
    "conversation_id": {"type": "string"}, "restarted": {"type": "boolean"}}}
_STATUS = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}
_ID = {"name": "conversation_id", "in": "path", "required": True,
       "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:@-]{1,128}$"}}
CONVERSATION_AUTH = "The conversation's token (from POST /conversations) or the admin token."
ADMIN_AUTH = "The admin token."


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": "#/components/responses/Error"} for c in codes}


def openapi_schema(turn_request: type[BaseModel], start_request: type[BaseModel]) -> dict[str, Any]:
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "dialogue bot server", "version": "2",
                 "description": "A conversation starts with POST /conversations, which returns its id and a "
                                "token bound to it. WebSocket: /conversations/{conversation_id}/stream (see "
                                "x-websockets)."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A conversation token (JWT) or the admin token."}},
            "schemas": {"TurnRequest": turn_request.model_json_schema(),
                        "StartRequest": start_request.model_json_schema(), "Turn": _TURN, "Error": _ERROR},
            "responses": {"Error": _json({"$ref": "#/components/schemas/Error"}, "An error.")},
        },
        "paths": {
            "/conversations": {"post": {
                "summary": "Start a conversation: a new id (only the admin may choose one), its token, the greeting.",
                "security": [{}, *bearer],
                "requestBody": {"required": False, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/StartRequest"}}}},
                "responses": {"201": _json(_STARTED, "Started."), **_errors(400, 401, 403, 413, 422, 503)},
            }},
            "/conversations/{conversation_id}/messages": {"post": {
                "summary": "Send a user message and get the bot's reply.", "description": CONVERSATION_AUTH,
                "parameters": [_ID], "security": bearer,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TurnRequest"}}}},
                "responses": {"200": _json({"$ref": "#/components/schemas/Turn"}, "The bot's turn."),
                              **_errors(400, 401, 403, 413, 422, 503, 504)},
            }},
            "/conversations/{conversation_id}/token": {"post": {
                "summary": "A fresh token for the conversation, before the current one expires.",
                "description": CONVERSATION_AUTH, "parameters": [_ID], "security": bearer,
                "responses": {"200": _json(_TOKEN, "The new token."), **_errors(400, 401, 403, 404)},
            }},
            "/conversations/{conversation_id}/tracker": {"get": {
                "summary": "The stored records of a conversation.", "description": ADMIN_AUTH,
                "parameters": [_ID], "security": bearer,
                "responses": {"200": _json(_TRACKER, "The tracker."), **_errors(400, 401, 403, 404, 503)},
            }},
            "/conversations/{conversation_id}/restart": {"post": {
                "summary": "Forget a conversation's state and start over.", "description": ADMIN_AUTH,
                "parameters": [_ID], "security": bearer,
                "responses": {"200": _json(_RESTARTED, "Restarted."), **_errors(400, 401, 403, 503)},
            }},
            "/health": {"get": {"summary": "Liveness.", "security": [],
                                "responses": {"200": _json(_STATUS, "Alive."),
                                              "503": _json(_STATUS, "The bot failed to start.")}}},
            "/ready": {"get": {"summary": "Readiness: the bot is loaded and accepting turns.", "security": [],
                               "responses": {"200": _json(_STATUS, "Ready."),
                                             "503": _json(_STATUS, "Starting, shutting down or cut off.")}}},
            "/metrics": {"get": {"summary": "Prometheus metrics.", "security": [],
                                 "responses": {"200": {"description": "Prometheus text format.",
                                                       "content": {"text/plain": {}}}}}},
        },
        "x-websockets": {"/conversations/{conversation_id}/stream": {
            "summary": 'Send {"text": ...} frames; receive token frames, then the turn (or an error frame).',
            "description": CONVERSATION_AUTH + " Browsers pass it as ?token=.", "parameters": [_ID]}},
    }
