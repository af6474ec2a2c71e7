"""Real servers for the store tests: Redis and PostgreSQL started in temp folders on free ports.

A backend whose server binary is missing is skipped with the reason (CI installs both).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dialogue.testing.services import ServiceUnavailable, postgres_server, redis_server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    try:
        with redis_server() as url:
            yield url
    except ServiceUnavailable as exc:
        pytest.skip(f"REDIS STORE NOT TESTED: {exc}")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    try:
        with postgres_server() as dsn:
            yield dsn
    except ServiceUnavailable as exc:
        pytest.skip(f"POSTGRES STORE NOT TESTED: {exc}")
