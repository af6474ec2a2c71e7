"""The medical pack, loaded once per test module with its plugins registered."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.components import load_local_plugins
from dialogue.domain import Domain, load_domain

PACK = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def domain() -> Domain:
    loaded = load_domain(PACK)
    load_local_plugins(loaded)
    return loaded
