"""`dialogue serve` as a real uvicorn process: HTTP over loopback, bad input, graceful SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

DOMAIN = Path(__file__).parent / "domain"
TOKEN = "admin-token-of-the-e2e-test"


def wait_ready(base: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become ready")


def test_serve_end_to_end_and_graceful_shutdown(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dialogue", "serve", str(DOMAIN), "--port", str(port), "--token", TOKEN],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        wait_ready(base, proc)
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            assert client.post("/conversations/e1/messages", json={"text": "hello"}).json()["messages"] == [
                {"text": "1: hello", "response": "echo"}
            ]
            oversized = client.post("/conversations/e1/messages", content=b"x" * 100_000,
                                    headers={"content-type": "application/json"})
            malformed = client.post("/conversations/e1/messages", content=b"\xff\xfe{",
                                    headers={"content-type": "application/json"})
            assert oversized.status_code == 413 and oversized.json()["error"]["code"] == "body_too_large"
            assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "invalid_json"
            again = client.post("/conversations/e1/messages", json={"text": "hi"})
            assert again.json()["messages"][0]["text"] == "2: hi"

            result: dict[str, httpx.Response] = {}
            slow = threading.Thread(target=lambda: result.update(
                reply=client.post("/conversations/e2/messages", json={"text": "slow please"})))
            slow.start()
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)  # the in-flight turn must still be answered
            slow.join(timeout=10)
        assert result["reply"].status_code == 200
        assert result["reply"].json()["messages"][0]["text"] == "1: slow please"
        assert proc.wait(timeout=15) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after draining
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_refuses_invisible_only_text_over_http_and_websocket(port: int) -> None:
    """A zero-width space, a byte-order mark or a NUL is no message: 422 empty_text over REST, an error frame
    over WebSocket (the socket stays open), and nothing reaches the bot (the next turn is still turn 1)."""
    from websockets.sync.client import connect

    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dialogue", "serve", str(DOMAIN), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_ready(base, proc)
        with httpx.Client(base_url=base, timeout=10) as client:
            for text in ("\u200b", "\ufeff", "\u0000", " \u200b\u2060 "):
                refused = client.post("/conversations/z1/messages", json={"text": text})
                assert refused.status_code == 422, refused.text
                assert refused.json()["error"]["code"] == "empty_text"
            assert client.post("/conversations/z1/messages", json={"text": "\ufeffhel\u200blo"}).json()["messages"] == [
                {"text": "1: hello", "response": "echo"}
            ]
            assert [r["text"] for r in client.get("/conversations/z1/tracker").json()["records"] if "text" in r] == [
                "hello"]
        with connect(f"ws://127.0.0.1:{port}/conversations/z2/stream") as socket:
            socket.send(json.dumps({"text": "\u200b"}))
            error = json.loads(socket.recv(timeout=10))
            socket.send(json.dumps({"text": "hi"}))
            frames = [json.loads(socket.recv(timeout=10))]
            while frames[-1]["type"] == "token":
                frames.append(json.loads(socket.recv(timeout=10)))
        assert error == {"type": "error", "error": {"code": "empty_text",
                                                    "message": "The text is blank or only invisible characters."}}
        assert frames[-1]["type"] == "turn" and frames[-1]["messages"][0]["text"] == "1: hi"
    finally:
        proc.terminate()
        proc.wait(timeout=15)
