"""The OpenAPI 3.1 document of the REST API (request bodies from the pydantic models)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}},
}
_TURN = {
    "type": "object",
    "required": ["conversation_id", "turn_id", "messages"],
    "properties": {
        "conversation_id": {"type": "string"},
        "turn_id": {"type": "integer"},
        "messages": {"type": "array", "items": {"type": "object", "required": ["text"], "properties": {
            "text": {"type": "string"}, "buttons": {"type": "array"}, "response": {"type": "string"},
            "generated": {"type": "boolean"}, "payload": {"type": "object"}}}},
        "intent": {"type": ["object", "null"], "properties": {"name": {"type": "string"},
                                                              "confidence": {"type": "number"}}},
        "entities": {"type": "array", "items": {"type": "object"}},
        "slots": {"type": "object"},
        "events": {"type": "array", "items": {"type": "object", "properties": {"kind": {"type": "string"}}}},
        "ended": {"type": "boolean"},
        "error": {"type": "boolean", "description": "A component failed; the messages are the error response."},
    },
}
_ID = {"name": "conversation_id", "in": "path", "required": True,
       "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:@-]{1,128}$"}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": "#/components/responses/Error"} for c in codes}


def openapi_schema(turn_request: type[BaseModel]) -> dict[str, Any]:
    secured = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "dialogue bot server", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"TurnRequest": turn_request.model_json_schema(), "Turn": _TURN, "Error": _ERROR},
            "responses": {"Error": _json({"$ref": "#/components/schemas/Error"}, "An error.")},
        },
        "paths": {
            "/conversations/{conversation_id}/messages": {"post": {
                "summary": "Send a user message and get the bot's reply.",
                "parameters": [_ID], "security": secured,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TurnRequest"}}}},
                "responses": {"200": _json({"$ref": "#/components/schemas/Turn"}, "The bot's turn."),
                              **_errors(400, 401, 413, 422, 503, 504)},
            }},
            "/conversations/{conversation_id}/tracker": {"get": {
                "summary": "The stored records of a conversation.", "parameters": [_ID], "security": secured,
                "responses": {"200": _json({"type": "object"}, "The tracker."), **_errors(400, 401, 404)},
            }},
            "/conversations/{conversation_id}/restart": {"post": {
                "summary": "Forget a conversation's state and start over.", "parameters": [_ID],
                "security": secured,
                "responses": {"200": _json({"type": "object"}, "Restarted."), **_errors(400, 401, 503)},
            }},
            "/conversations/{conversation_id}/stream": {"get": {
                "summary": "WebSocket: send {\"text\": ...}; receive token messages, then the turn.",
                "parameters": [_ID], "security": secured,
                "responses": {"101": {"description": "Switching to WebSocket."}},
            }},
            "/health": {"get": {"summary": "Liveness.", "responses": {"200": _json({"type": "object"}, "Alive.")}}},
            "/ready": {"get": {"summary": "Readiness: the bot is loaded and accepting turns.",
                               "responses": {"200": _json({"type": "object"}, "Ready."),
                                             "503": _json({"type": "object"}, "Starting or shutting down.")}}},
            "/metrics": {"get": {"summary": "Prometheus metrics.",
                                 "responses": {"200": {"description": "Prometheus text format.",
                                                       "content": {"text/plain": {}}}}}},
        },
    }
