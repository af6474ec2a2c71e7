"""Serving real components (TF-IDF NLU, rules, templates): a tiny domain, and the customer_service pack (slow)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from dialogue.server import create_app, started
from dialogue.server.service_builder import BotOptions, build_service

PACK = Path(__file__).resolve().parents[2] / "domains" / "customer_service"
REAL = Path(__file__).parent / "domain_real"


async def test_server_real_components_tiny_domain(tmp_path: Path) -> None:
    domain = tmp_path / "real"
    shutil.copytree(REAL, domain)  # the model cache goes to the copy
    app = create_app(lambda metrics: build_service(domain, BotOptions(), metrics))
    async with app.router.lifespan_context(app):
        await started(app)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            hello = (await client.post("/conversations/r1/messages", json={"text": "hello"})).json()
            order = (await client.post("/conversations/r1/messages", json={"text": "where is my order 246810"})).json()
            ask = (await client.post("/conversations/r2/messages", json={"text": "has my package shipped"})).json()
            tracker = (await client.get("/conversations/r1/tracker")).json()
            metrics = (await client.get("/metrics")).text
    assert hello["intent"]["name"] == "greet" and hello["messages"][0]["text"] == "Hello! How can I help?"
    assert order["intent"]["name"] == "order_status"
    assert [e["value"] for e in order["entities"]] == ["246810"]
    assert order["slots"]["order_id"] == "246810"
    assert order["messages"][0]["text"] == "Looking up order 246810."
    assert ask["messages"][0]["text"] == "What is your order number?"
    assert len(tracker["records"]) >= 2
    assert 'dialogue_component_seconds_count{component="dm"} 3.0' in metrics


@pytest.mark.slow  # the pack's BERT model takes ~2 min CPU to train on a fresh copy
@pytest.mark.skipif(not (PACK / "domain.yml").is_file(), reason="the customer_service pack is not there")
async def test_server_serves_the_customer_service_pack(tmp_path: Path) -> None:
    domain = tmp_path / "customer_service"
    shutil.copytree(PACK, domain, ignore=shutil.ignore_patterns(".dialogue", "__pycache__"))
    options = BotOptions(store=f"sqlite:///{tmp_path / 'conversations.sqlite3'}")
    app = create_app(lambda metrics: build_service(domain, options, metrics))
    async with app.router.lifespan_context(app):
        await started(app)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            hello = await client.post("/conversations/p1/messages", json={"text": "hello there"})
            order = await client.post("/conversations/p1/messages", json={"text": "where is my order?"})
            tracker = await client.get("/conversations/p1/tracker")
    assert hello.status_code == 200 and order.status_code == 200
    assert hello.json()["intent"]["name"] == "greet"
    assert order.json()["intent"]["name"] == "order_status"
    assert all(m["text"].strip() for m in hello.json()["messages"] + order.json()["messages"])
    assert not hello.json()["error"] and not order.json()["error"]
    assert len(tracker.json()["records"]) >= 2


def test_cli_refuses_bad_bus_and_bad_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialogue.cli import main

    domain = str(Path(__file__).parent / "domain")
    assert main(["worker", "nlu", domain, "--bus", "memory"]) == 2
    assert main(["serve", domain, "--bus", "kafka://x"]) == 2
    assert main(["serve", str(tmp_path / "nowhere")]) == 1
    assert main(["serve", str(REAL), "--bus", "redis://127.0.0.1:1"]) == 1  # its store is in-process memory
    assert main(["serve", domain, "--store", "ftp://x"]) == 1
    err = capsys.readouterr().err
    assert "redis://" in err and "nowhere" in err and "memory tracker store" in err and "ftp://x" in err
