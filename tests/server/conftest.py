"""Fixtures for the server tests: a real redis-server on a free loopback port, a tiny test domain.

Helpers the tests import (a live uvicorn server, worker processes) are in ``server_helpers``:
a module named ``conftest`` is not importable reliably when other test folders have one too.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from server_helpers import DOMAIN, free_port


@pytest.fixture(scope="session")
def redis_url(redis_process: tuple[str, subprocess.Popen[bytes]]) -> str:
    return redis_process[0]


@pytest.fixture(scope="session")
def redis_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private redis-server for this test session, in a temp dir, stopped afterwards (its process too,
    for the tests that freeze it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", "",
         "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0", proc
    finally:
        proc.send_signal(signal.SIGCONT)  # in case a test left it frozen
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def domain_path() -> Path:
    return DOMAIN


@pytest.fixture
def port() -> int:
    return free_port()
