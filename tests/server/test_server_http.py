"""The HTTP API in process (httpx + ASGITransport) over the in-process bus and the test domain."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dialogue.server import ServerConfig, create_app, started
from dialogue.server.service_builder import BotOptions, build_service

DOMAIN = Path(__file__).parent / "domain"
ADMIN = "admin-token-for-the-tests"


@contextlib.asynccontextmanager
async def serving(
    config: ServerConfig | None = None, **options: Any
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(lambda metrics: build_service(DOMAIN, BotOptions(**options), metrics), config)
    async with app.router.lifespan_context(app):
        await started(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


async def test_server_turns_number_each_conversation_and_report_intent_slots_events() -> None:
    async with serving() as (_, client):
        first = await client.post("/conversations/c1/messages", json={"text": "hello"})
        second = await client.post("/conversations/c1/messages", json={"text": "I need a human"})
        other = await client.post("/conversations/c2/messages", json={"text": "hi"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["messages"] == [{"text": "1: hello", "response": "echo"}]
    assert body["intent"] == {"name": "greet", "confidence": 1.0}
    assert body["slots"] == {"count": 1}
    assert [e["kind"] for e in body["events"]] == ["slot_set"]
    assert second.json()["messages"][0]["text"] == "2: I need a human"
    assert [e["kind"] for e in second.json()["events"]] == ["slot_set", "handoff_requested"]
    assert other.json()["messages"][0]["text"] == "1: hi"


async def test_server_tracker_and_restart() -> None:
    async with serving() as (_, client):
        missing = await client.get("/conversations/nobody/tracker")
        await client.post("/conversations/t1/messages", json={"text": "hello"})
        tracker = await client.get("/conversations/t1/tracker")
        restarted = await client.post("/conversations/t1/restart")
        after = await client.post("/conversations/t1/messages", json={"text": "hello again"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "conversation_not_found"
    assert tracker.status_code == 200
    assert [r["text"] for r in tracker.json()["records"]] == ["hello"]
    assert restarted.json() == {"conversation_id": "t1", "restarted": True}
    assert after.json()["messages"][0]["text"] == "1: hello again"


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"content": b"{not json"}, 400, "invalid_json"),
        ({"content": b""}, 400, "invalid_json"),
        ({"json": ["hello"]}, 422, "invalid_request"),
        ({"json": {"txt": "hello"}}, 422, "invalid_request"),
        ({"json": {"text": 42}}, 422, "invalid_request"),
        ({"json": {"text": "   "}}, 422, "empty_text"),
        ({"json": {"text": "\u200b\ufeff\u0000"}}, 422, "empty_text"),
        ({"json": {"text": "x" * 501}}, 422, "text_too_long"),
        ({"content": b'{"text": "' + b"x" * 70_000 + b'"}'}, 413, "body_too_large"),
    ],
)
async def test_server_bad_requests_get_json_errors_and_the_server_keeps_serving(
    kwargs: dict[str, Any], status: int, code: str
) -> None:
    async with serving() as (app, client):
        bad = await client.post("/conversations/c1/messages", headers={"content-type": "application/json"}, **kwargs)
        good = await client.post("/conversations/c1/messages", json={"text": "hello"})
        metrics = (await client.get("/metrics")).text
    assert bad.status_code == status, bad.text
    assert bad.json()["error"]["code"] == code
    assert good.status_code == 200 and good.json()["messages"][0]["text"] == "1: hello"
    assert f'dialogue_http_errors_total{{code="{code}"}} 1.0' in metrics


async def test_server_unknown_routes_methods_and_ids_are_json_errors() -> None:
    async with serving() as (_, client):
        unknown = await client.get("/nowhere")
        method = await client.get("/conversations/c1/messages")
        bad_id = await client.post("/conversations/" + "x" * 200 + "/messages", json={"text": "hi"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert method.status_code == 405 and method.json()["error"]["code"] == "method_not_allowed"
    assert bad_id.status_code == 400 and bad_id.json()["error"]["code"] == "invalid_conversation_id"


async def test_server_admin_token_authentication() -> None:
    async with serving(ServerConfig(admin_token=ADMIN)) as (_, client):
        none = await client.post("/conversations/c1/messages", json={"text": "hello"})
        wrong = await client.post("/conversations/c1/messages", json={"text": "hello"},
                                  headers={"Authorization": "Bearer nope"})
        right = await client.post("/conversations/c1/messages", json={"text": "hello"},
                                  headers={"Authorization": f"Bearer {ADMIN}"})
        health = await client.get("/health")
    assert none.status_code == 401 and none.json()["error"]["code"] == "unauthorized"
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert health.status_code == 200


async def test_server_component_failure_gives_error_reply_and_counts_it() -> None:
    async with serving() as (_, client):
        failed = await client.post("/conversations/c1/messages", json={"text": "explode please"})
        fine = await client.post("/conversations/c1/messages", json={"text": "hello"})
        metrics = (await client.get("/metrics")).text
    assert failed.status_code == 200
    assert failed.json()["error"] is True
    assert failed.json()["messages"][0]["response"] == "utter_error"
    assert fine.json()["messages"][0]["text"] == "1: hello"
    assert 'dialogue_errors_total{subscriber="nlu"} 1.0' in metrics
    assert 'dialogue_turns_total{outcome="error"} 1.0' in metrics


async def test_server_metrics_health_ready_openapi() -> None:
    async with serving() as (_, client):
        await client.post("/conversations/m1/messages", json={"text": "I need a human"})
        await client.post("/conversations/m1/messages", json={"text": "what is this?"})
        metrics = await client.get("/metrics")
        ready = await client.get("/ready")
        schema = await client.get("/openapi.json")
    text = metrics.text
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "dialogue_handoffs_total 1.0" in text
    assert 'dialogue_fallbacks_total{source="nlu"} 1.0' in text
    assert 'dialogue_fallbacks_total{source="dm"} 1.0' in text
    for component in ("nlu", "dm", "nlg"):
        assert f'dialogue_component_seconds_count{{component="{component}"}} 2.0' in text
    assert "dialogue_turn_seconds_count 2.0" in text
    assert ready.json()["status"] == "ready"
    paths = schema.json()["paths"]
    assert "/conversations/{conversation_id}/messages" in paths
    assert schema.json()["components"]["schemas"]["TurnRequest"]["required"] == ["text"]


async def test_server_micro_batching_batches_concurrent_parses() -> None:
    async with serving(max_batch=8, max_wait_ms=20) as (_, client):
        replies = await asyncio.gather(
            *(client.post(f"/conversations/b{i}/messages", json={"text": f"hello {i}"}) for i in range(24))
        )
        metrics = (await client.get("/metrics")).text
    assert [r.json()["messages"][0]["text"] for r in replies] == [f"1: hello {i}" for i in range(24)]
    count = float(next(line.split()[-1] for line in metrics.splitlines()
                       if line.startswith("dialogue_nlu_batch_size_count")))
    assert count < 24  # some parses shared a batch
    assert 'dialogue_nlu_batch_size_bucket{le="1.0"}' in metrics


async def test_server_websocket_streams_tokens_then_the_turn() -> None:
    from starlette.testclient import TestClient

    app = create_app(lambda metrics: build_service(DOMAIN, BotOptions(), metrics), ServerConfig(admin_token=ADMIN))
    with TestClient(app) as client:
        while client.get("/ready").status_code != 200:
            time.sleep(0.02)
        with client.websocket_connect(f"/conversations/w1/stream?token={ADMIN}") as ws:
            ws.send_json({"text": "hello there friend"})
            frames = []
            while True:
                frame = ws.receive_json()
                frames.append(frame)
                if frame["type"] != "token":
                    break
            ws.send_text("{broken")
            error = ws.receive_json()
        with client.websocket_connect("/conversations/w1/stream") as ws:
            refused = ws.receive_json()
    assert frames[-1]["type"] == "turn" and frames[-1]["messages"][0]["text"] == "1: hello there friend"
    assert "".join(f["delta"] for f in frames[:-1]).strip() == "1: hello there friend"
    assert error["type"] == "error" and error["error"]["code"] == "invalid_json"
    assert refused["error"]["code"] == "unauthorized"


async def test_server_graceful_shutdown_finishes_in_flight_turns() -> None:
    app = create_app(lambda metrics: build_service(DOMAIN, BotOptions(), metrics))
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    await started(app)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    slow = asyncio.create_task(client.post("/conversations/g1/messages", json={"text": "slow one"}))
    await asyncio.sleep(0.1)
    closing = asyncio.create_task(lifespan.__aexit__(None, None, None))
    await asyncio.sleep(0.05)
    refused = await client.post("/conversations/g2/messages", json={"text": "hello"})
    ready = await client.get("/ready")
    reply = await slow
    await closing
    await client.aclose()
    assert reply.status_code == 200 and reply.json()["messages"][0]["text"] == "1: slow one"
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "shutting_down"
    assert ready.status_code == 503
