"""Access control over real connections: conversation tokens, the admin token, masked sensitive slots, quiet logs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from server_helpers import free_port, live_server
from dialogue.server import ServerConfig
from dialogue.server.auth import Access

REAL = Path(__file__).parent / "domain_real"
ADMIN = "admin-token-0123456789"
SECRET = "signing-secret-0123456789-0123456789"
EMAIL = "jane.doe@example.com"


@pytest.fixture(scope="module")
def real_domain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    domain = tmp_path_factory.mktemp("auth") / "real"
    shutil.copytree(REAL, domain, ignore=shutil.ignore_patterns(".dialogue"))  # the model cache goes to the copy
    return domain


@pytest.fixture(scope="module")
def server(real_domain: Path) -> Iterator[Any]:
    with live_server(ServerConfig(admin_token=ADMIN, auth_secret=SECRET), domain=real_domain) as live:
        yield live


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def start(base: str, **kwargs: Any) -> dict[str, Any]:
    reply = httpx.post(f"{base}/conversations", **kwargs)
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_a_conversation_token_opens_its_own_conversation_only(server: Any) -> None:
    mine, other = start(server.base), start(server.base)
    assert mine["conversation_id"] != other["conversation_id"] and mine["token"] and mine["expires_at"] > time.time()
    url = f"{server.base}/conversations/{mine['conversation_id']}"
    with httpx.Client(timeout=10) as client:
        ok = client.post(f"{url}/messages", json={"text": "hello"}, headers=bearer(mine["token"]))
        anonymous = client.post(f"{url}/messages", json={"text": "hello"})
        garbage = client.post(f"{url}/messages", json={"text": "hello"}, headers=bearer("not.a.token"))
        someone_elses = client.post(f"{url}/messages", json={"text": "hello"}, headers=bearer(other["token"]))
        tracker = client.get(f"{url}/tracker", headers=bearer(mine["token"]))
        restart = client.post(f"{url}/restart", headers=bearer(mine["token"]))
        choose = client.post(f"{server.base}/conversations", json={"conversation_id": "victim"},
                             headers=bearer(mine["token"]))
        renewed = client.post(f"{url}/token", headers=bearer(mine["token"]))
        with_renewed = client.post(f"{url}/messages", json={"text": "bye"}, headers=bearer(renewed.json()["token"]))
    assert ok.status_code == 200 and ok.json()["messages"][0]["text"] == "Hello! How can I help?"
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert garbage.status_code == 401 and garbage.json()["error"]["code"] == "unauthorized"
    assert someone_elses.status_code == 403 and someone_elses.json()["error"]["code"] == "forbidden"
    assert tracker.status_code == 403 and restart.status_code == 403
    assert choose.status_code == 403
    assert renewed.status_code == 200 and with_renewed.status_code == 200


def test_expired_and_forged_tokens_are_refused(server: Any) -> None:
    conversation = start(server.base)["conversation_id"]
    old, _ = Access(SECRET, ADMIN, ttl=60).issue(conversation, now=time.time() - 3600)
    forged, _ = Access("another-secret-0123456789-0123456789", None).issue(conversation)
    url = f"{server.base}/conversations/{conversation}/messages"
    expired = httpx.post(url, json={"text": "hello"}, headers=bearer(old))
    wrong_key = httpx.post(url, json={"text": "hello"}, headers=bearer(forged))
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"
    assert wrong_key.status_code == 401 and wrong_key.json()["error"]["code"] == "unauthorized"


def test_the_admin_reads_trackers_restarts_and_chooses_ids(server: Any) -> None:
    chosen = start(server.base, json={"conversation_id": "crm-42"}, headers=bearer(ADMIN))
    assert chosen["conversation_id"] == "crm-42"
    url = f"{server.base}/conversations/crm-42"
    with httpx.Client(timeout=10) as client:
        assert client.post(f"{url}/messages", json={"text": "hello"}, headers=bearer(chosen["token"])).status_code == 200
        tracker = client.get(f"{url}/tracker", headers=bearer(ADMIN))
        restart = client.post(f"{url}/restart", headers=bearer(ADMIN))
    assert tracker.status_code == 200 and tracker.json()["records"]
    assert restart.status_code == 200


def test_sensitive_slots_are_masked_unless_the_caller_is_admin(server: Any) -> None:
    started = start(server.base)
    url = f"{server.base}/conversations/{started['conversation_id']}"
    text = f"my email is {EMAIL}"
    user = httpx.post(f"{url}/messages", json={"text": text}, headers=bearer(started["token"])).json()
    admin = httpx.post(f"{url}/messages", json={"text": text}, headers=bearer(ADMIN)).json()
    tracker = httpx.get(f"{url}/tracker", headers=bearer(ADMIN)).json()
    assert user["intent"]["name"] == "inform_email"
    assert user["slots"]["email"] == "***"
    assert [(e["value"], e["text"]) for e in user["entities"]] == [("***", "***")]
    assert [e["value"] for e in user["events"] if e["kind"] == "slot_set"] == ["***"]
    assert user["messages"][0]["text"] == f"I will write to {EMAIL}."  # the bot's own words to its user
    assert EMAIL not in json.dumps({k: v for k, v in user.items() if k != "messages"})
    assert admin["slots"]["email"] == EMAIL and admin["entities"][0]["value"] == EMAIL
    assert EMAIL in json.dumps(tracker)  # the admin sees the records as stored


def test_an_open_server_masks_the_tracker_everywhere_it_quotes_a_secret(real_domain: Path) -> None:
    with live_server(ServerConfig(), domain=real_domain) as live:
        started = start(live.base)
        assert started["token"] is None
        url = f"{live.base}/conversations/{started['conversation_id']}"
        httpx.post(f"{url}/messages", json={"text": f"my email is {EMAIL}"})
        tracker = httpx.get(f"{url}/tracker").json()
    kinds = {r["type"] for r in tracker["records"]}
    assert {"user", "slot", "reply"} <= kinds
    assert EMAIL not in json.dumps(tracker)
    user = next(r for r in tracker["records"] if r["type"] == "user")
    reply = next(r for r in tracker["records"] if r["type"] == "reply")
    assert user["text"] == "my email is ***" and reply["messages"][0]["text"] == "I will write to ***."


def test_an_admin_token_alone_also_issues_conversation_tokens(real_domain: Path) -> None:
    with live_server(ServerConfig(admin_token=ADMIN), domain=real_domain) as live:
        started = start(live.base)
        reply = httpx.post(f"{live.base}/conversations/{started['conversation_id']}/messages",
                           json={"text": "hello"}, headers=bearer(started["token"]))
        other = httpx.post(f"{live.base}/conversations/x/messages", json={"text": "hello"},
                           headers=bearer(started["token"]))
    assert reply.status_code == 200 and other.status_code == 403


def test_websocket_token_works_and_is_never_logged(real_domain: Path, tmp_path: Path) -> None:
    """The WebSocket's ?token= (and the admin token on the command line) stay out of the info log."""
    port = free_port()
    env_log = tmp_path / "serve.log"
    with env_log.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dialogue", "serve", str(real_domain), "--port", str(port), "--log-level", "info",
             "--admin-token", ADMIN, "--auth-secret", SECRET],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None and time.monotonic() < deadline, env_log.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            started = start(f"http://127.0.0.1:{port}")
            path = f"ws://127.0.0.1:{port}/conversations/{started['conversation_id']}/stream"
            with connect(f"{path}?token={started['token']}") as ws:
                ws.send(json.dumps({"text": f"my email is {EMAIL}"}))
                while (frame := json.loads(ws.recv(timeout=10)))["type"] == "token":
                    pass
            with connect(f"{path}?token={ADMIN}") as ws:
                ws.send(json.dumps({"text": "hello"}))
                while json.loads(ws.recv(timeout=10))["type"] == "token":
                    pass
            with connect(path) as ws:
                refused = json.loads(ws.recv(timeout=10))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    logged = env_log.read_text()
    assert frame["type"] == "turn" and frame["slots"]["email"] == "***"
    assert refused["error"]["code"] == "unauthorized"
    assert "WebSocket /conversations/" in logged and "token=***" in logged  # the line is there, the secret is not
    assert started["token"] not in logged and ADMIN not in logged and SECRET not in logged


def test_cli_refuses_an_open_public_server_and_short_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    from dialogue.cli import main

    domain = str(Path(__file__).parent / "domain")
    assert main(["serve", domain, "--host", "0.0.0.0"]) == 2
    assert main(["serve", domain, "--admin-token", "short"]) == 2
    assert main(["serve", domain, "--auth-secret", "also-too-short"]) == 2
    err = capsys.readouterr().err
    assert "--open" in err and "at least 16" in err and "at least 32" in err


def test_a_checked_token_still_expires_on_time() -> None:
    """Checked tokens are remembered (a turn costs a look-up), but never past their expiry."""
    from dialogue.server.errors import ApiError

    access = Access(SECRET, ADMIN, ttl=3600)
    token, expires = access.issue("c1", now=time.time() - 3599)
    assert access._verify(token).conversation_id == "c1"  # decoded and remembered
    assert access._verify(token).conversation_id == "c1"  # looked up
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(ApiError) as refused:
        access._verify(token)
    assert refused.value.code == "token_expired"
