"""Helpers of the server tests: free ports, the app under uvicorn in a thread, `dialogue worker` processes."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

DOMAIN = Path(__file__).parent / "domain"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The app under uvicorn in a thread, configured as ``dialogue serve`` runs it: real sockets, real parser."""

    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        from dialogue.server.uvicorn_runner import uvicorn_config

        self.app = app
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, log_level="warning", shutdown_timeout=5))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, wait_ready: bool = True) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status = httpx.get(f"{self.base}/ready", timeout=2).status_code
                if status == 200 or not wait_ready:
                    return self
            except httpx.HTTPError:
                pass
            if not self.thread.is_alive():
                raise AssertionError("the server thread ended")
            time.sleep(0.05)
        raise AssertionError("the server did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@contextlib.contextmanager
def live_server(config: Any = None, domain: Path = DOMAIN, factory: Any = None, wait_ready: bool = True,
                **options: Any) -> Iterator[LiveServer]:
    """Serve ``domain`` (or what ``factory(metrics)`` builds) on a free loopback port."""
    from dialogue.server import create_app
    from dialogue.server.service_builder import BotOptions, build_service

    app = create_app(factory or (lambda metrics: build_service(domain, BotOptions(**options), metrics)), config)
    server = LiveServer(app, free_port())
    server.start(wait_ready)
    try:
        yield server
    finally:
        server.stop()


class Workers:
    """`dialogue worker` subprocesses of one bus (``prefix``) on the test Redis, stopped at the end."""

    def __init__(self, redis_url: str, prefix: str, domain: Path, args: list[str]) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.domain = domain
        self.args = args
        self.procs: list[subprocess.Popen[str]] = []
        self.consumers: dict[int, str] = {}  # pid → the bus consumer name it printed

    def start(self, kind: str, count: int = 1, env: dict[str, str] | None = None,
              may_die: bool = False) -> list[subprocess.Popen[str]]:
        """Start workers and wait for their ready line; ``may_die``: a worker that takes a poisoned
        message while starting may die before it prints it (it is kept, and counted as dead)."""
        env = {**os.environ, "DIALOGUE_TEST_REDIS": self.redis_url, **(env or {})}
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "dialogue", "worker", kind, str(self.domain), "--bus", self.redis_url,
                 "--prefix", self.prefix, *self.args],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
            )
            for _ in range(count)
        ]
        for proc in started:
            line = proc.stdout.readline() if proc.stdout else ""
            if may_die and not line:  # its output ended: it died starting; the caller's poll() will see it
                continue
            assert "ready" in line, f"worker {kind} did not start: {line!r}"
            self.consumers[proc.pid] = line.strip().rsplit("(", 1)[1].rstrip(")")
        self.procs.extend(started)
        return started

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
