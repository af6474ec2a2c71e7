"""`dialogue serve` says where it listens and logs one line per request, never the message text."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lines(stream, into: queue.Queue[str]) -> None:  # type: ignore[type-arg,no-untyped-def]
    for line in stream:
        into.put(line.rstrip("\n"))


def _wait_for(lines: queue.Queue[str], pattern: str, seen: list[str], timeout: float = 300) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(seen))


def test_serve_prints_its_address_and_an_access_line_per_request(tiny_domain: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "dialogue", "serve", str(tiny_domain), "--port", "0"],
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(server.stderr, lines), daemon=True).start()
    seen: list[str] = []
    try:
        url = _wait_for(lines, r"serving tiny on (http://127\.0\.0\.1:\d+)", seen).group(1)  # the real port
        secret = "my card is 4111 1111 1111 1111"
        request = urllib.request.Request(f"{url}/conversations/alice/messages", data=json.dumps({"text": secret}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
        access = _wait_for(lines, r"POST /conversations/alice/messages 200 [\d.]+ ms", seen).string
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1:\d+ POST", access)
        with urllib.request.urlopen(f"{url}/health?token=hunter2", timeout=30) as response:
            assert response.status == 200
        health = _wait_for(lines, r"GET /health 200", seen).string
        assert "hunter2" not in health  # query strings (tokens) are never logged
        assert not any("4111" in line or "my card" in line for line in seen)  # nor message text
    finally:
        server.terminate()
        server.wait(timeout=60)
