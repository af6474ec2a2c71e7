"""Shared fixtures: paths to the repository, its packs and the small test domains."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def tiny_domain(tmp_path: Path) -> Path:
    """A copy of the tiny fixture domain that a test may edit or break."""
    target = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", target)
    return target
