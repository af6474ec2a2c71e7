"""Requests that once made the server fail, each sent over a real connection to uvicorn as `dialogue serve` runs it."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from server_helpers import DOMAIN, free_port, live_server
from dialogue.server import ServerConfig
from dialogue.server.service_builder import BotOptions, build_service

NESTED = {
    "array": b'{"text": "hi", "metadata": {"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}}",
    "object": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "metadata": b'{"text": "hi", "metadata": ' + b'{"a":' * 9_000 + b"1" + b"}" * 9_000 + b"}",
    "just over the limit": b'{"text": "hi", "metadata": ' + b'{"a":' * 32 + b"1" + b"}" * 32 + b"}",
}
RESERVED_METADATA = [{"text": "sneaky"}, {"channel": "x", "conversation_id": "someone-else"},
                     {"metadata": {"turn_id": 1}, "kind": "bot_turn"}]


def metric(base: str, name: str) -> float:
    for line in httpx.get(f"{base}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def server() -> Any:
    with live_server(ServerConfig(turn_timeout=10)) as live:
        yield live


@pytest.mark.parametrize("name", list(NESTED))
def test_deeply_nested_json_is_refused_with_422_not_500(server: Any, name: str) -> None:
    with httpx.Client(base_url=server.base, timeout=10) as client:
        reply = client.post("/conversations/nest/messages", content=NESTED[name],
                            headers={"content-type": "application/json"})
        after = client.post("/conversations/nest-after/messages", json={"text": "hello"})
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["code"] == "too_deeply_nested"
    assert after.status_code == 200


@pytest.mark.parametrize("body", [b'{"text": "hi", "metadata": {"x": "\\ud800"}}',
                                  b'{"text": "hi", "metadata": {"\\udfff": 1}}'])
def test_lone_surrogate_escapes_are_refused_at_the_door(server: Any, body: bytes) -> None:
    """Valid JSON, but no store, bus or response can encode it: a 400, not an error deep in the pipeline."""
    reply = httpx.post(f"{server.base}/conversations/surrogate/messages", content=body,
                       headers={"content-type": "application/json"})
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "invalid_json"


def test_nesting_up_to_the_limit_is_accepted(server: Any) -> None:
    body = b'{"text": "hi", "metadata": ' + b'{"a":' * 31 + b"1" + b"}" * 31 + b"}"
    reply = httpx.post(f"{server.base}/conversations/nest-ok/messages", content=body,
                       headers={"content-type": "application/json"})
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize("metadata", RESERVED_METADATA)
def test_metadata_with_reserved_keys_is_just_metadata(server: Any, metadata: dict[str, Any]) -> None:
    reply = httpx.post(f"{server.base}/conversations/meta/messages", json={"text": "hello", "metadata": metadata})
    assert reply.status_code == 200, reply.text
    assert reply.json()["conversation_id"] == "meta" and reply.json()["messages"][0]["text"].endswith(": hello")


def test_websocket_answers_every_bad_frame_and_stays_open(server: Any) -> None:
    bad: list[str | bytes] = [
        NESTED["array"].decode(), NESTED["object"].decode(), b'{"text": "hi"}', b"\xff\x00binary",
        json.dumps({"text": "hi", "metadata": {"text": "x", "channel": "y", "conversation_id": "z"}}),
        "{broken", "[]", json.dumps({"text": 5}), json.dumps({"text": "x" * 70_000}),
    ]
    with connect(f"{server.ws}/conversations/ws-hard/stream", open_timeout=10) as ws:
        answers = []
        for frame in bad:
            ws.send(frame)
            while True:
                answer = json.loads(ws.recv(timeout=10))
                if answer["type"] != "token":
                    break
            answers.append(answer)
        ws.send(json.dumps({"text": "hello"}))
        while (last := json.loads(ws.recv(timeout=10)))["type"] == "token":
            pass
    codes = [a["error"]["code"] if a["type"] == "error" else a["type"] for a in answers]
    assert codes == ["too_deeply_nested", "too_deeply_nested", "binary_frame", "binary_frame", "turn",
                     "invalid_json", "invalid_request", "invalid_request", "body_too_large"]
    assert last["type"] == "turn" and last["messages"][0]["text"] == "2: hello"


def test_a_client_leaving_mid_body_is_no_server_error(server: Any, caplog: pytest.LogCaptureFixture) -> None:
    before = metric(server.base, 'dialogue_http_errors_total{code="client_disconnected"}')
    with caplog.at_level(logging.INFO):
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"POST /conversations/gone/messages HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"text\": \"hel")
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while metric(server.base, 'dialogue_http_errors_total{code="client_disconnected"}') == before:
            assert time.monotonic() < deadline, "the disconnect was not seen"
            time.sleep(0.05)
    assert metric(server.base, 'dialogue_http_errors_total{code="internal_error"}') == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_conversation_ids_are_checked_whole(server: Any) -> None:
    newline = httpx.post(f"{server.base}/conversations/nlprobe%0A/messages", json={"text": "hello"})
    assert newline.status_code == 400 and newline.json()["error"]["code"] == "invalid_conversation_id"
    tracker = httpx.get(f"{server.base}/conversations/nlprobe/tracker")
    assert tracker.status_code == 404  # nothing was stored under a look-alike id


def test_a_raw_space_in_the_path_gets_the_json_error_body(server: Any) -> None:
    raw = raw_request(server.port, b"GET /conversations/a b/tracker HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["error"]["code"] == "invalid_http_request"
    assert metric(server.base, 'dialogue_http_errors_total{code="invalid_http_request"}') >= 1


def test_the_port_answers_while_the_bot_starts() -> None:
    """Health answers and readiness says 'starting' during a slow start (the first NLU training)."""
    gate = asyncio.Event()
    loop: list[asyncio.AbstractEventLoop] = []

    async def slow_factory(metrics: Any) -> Any:
        loop.append(asyncio.get_running_loop())
        await gate.wait()
        return await build_service(DOMAIN, BotOptions(), metrics)

    with live_server(factory=slow_factory, wait_ready=False) as live:
        health = httpx.get(f"{live.base}/health")
        ready = httpx.get(f"{live.base}/ready")
        early = httpx.post(f"{live.base}/conversations/s1/messages", json={"text": "hello"})
        loop[0].call_soon_threadsafe(gate.set)
        deadline = time.monotonic() + 30
        while httpx.get(f"{live.base}/ready").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        later = httpx.post(f"{live.base}/conversations/s1/messages", json={"text": "hello"})
    assert health.status_code == 200
    assert ready.status_code == 503 and ready.json()["reason"] == "starting"
    assert early.status_code == 503 and early.json()["error"]["code"] == "not_ready"
    assert later.status_code == 200


def test_a_bot_that_cannot_start_stops_the_server() -> None:
    from dialogue.server import create_app
    from dialogue.server.uvicorn_runner import serve

    async def broken(metrics: Any) -> Any:
        raise RuntimeError("no model here")

    app = create_app(broken)
    started = time.monotonic()
    assert serve(app, "127.0.0.1", free_port(), shutdown_timeout=1) == 1
    assert time.monotonic() - started < 30
    assert "no model here" in app.state.start_error
