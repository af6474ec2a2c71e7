"""Fixtures for the NLG tests (helpers live in nlg_support.py so test modules can import them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from nlg_support import write_domain

from dialogue.domain.loader import load_domain
from dialogue.domain.model import Domain


@pytest.fixture
def shop_path(tmp_path: Path) -> Path:
    return write_domain(tmp_path / "shop")


@pytest.fixture
def shop(shop_path: Path) -> Domain:
    return load_domain(shop_path)
