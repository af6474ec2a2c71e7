"""Fixtures for the DM tests: the test domain, its actions' fake service, a manager and a chat."""

from __future__ import annotations

from typing import Any

import pytest

import dm_actions
from dialogue.domain import Domain, load_domain
from dialogue.dm.manager import RuleDialogueManager
from dm_helpers import DOMAIN_DIR, Chat, make_manager


@pytest.fixture(scope="session")
def domain() -> Domain:
    return load_domain(DOMAIN_DIR)


@pytest.fixture(autouse=True)
def service() -> dict[str, Any]:
    """The fake outside world of the test actions, reset for each test."""
    dm_actions.SERVICE.update(orders={"12345": "shipped"}, bookings=[], reports=[], fail_booking=False, erased=0)
    return dm_actions.SERVICE


@pytest.fixture
def manager(domain: Domain) -> RuleDialogueManager:
    return make_manager(domain)


@pytest.fixture
def chat(manager: RuleDialogueManager) -> Chat:
    return Chat(manager)
