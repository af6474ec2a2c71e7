"""Fixtures for the NLU tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from nlu_helpers import write_domain

from dialogue.domain import Domain, load_domain


@pytest.fixture()
def domain(tmp_path: Path) -> Domain:
    return load_domain(write_domain(tmp_path / "pizza"))
