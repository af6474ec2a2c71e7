"""Registries scoped to the domain that loaded them: two domains in one process keep their own plugins."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from dialogue.assembly import assemble
from dialogue.bus import InProcessBus
from dialogue.components import build_component, load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.registry import PluginError, domain_scope, plugin_scope, registry
from dialogue.stores.memory import MemoryStore
from dialogue.validation import action_problems

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"

ACTIONS = """
from dialogue.actions import ActionContext, action
from dialogue.registry import register


@action("action_greet")
async def greet(ctx: ActionContext) -> None:
    ctx.say({text!r})


@register("nlg", "scoped_nlg")
class ScopedNLG:
    label = {text!r}
"""


@pytest.fixture
def clean_registries():
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("dialogue_domains."):
            del sys.modules[name]
    for group, name in (("action", "action_greet"), ("nlg", "scoped_nlg")):
        registry(group).remove(name)


def shop(folder: Path, greeting: str) -> Path:
    """The tiny domain whose greet rule runs ``action_greet``, saying ``greeting``."""
    shutil.copytree(FIXTURE, folder)
    dm = (folder / "dm.yml").read_text().replace("      - respond: utter_greet", "      - action: action_greet")
    (folder / "dm.yml").write_text(dm + "actions:\n  action_greet: {}\n")
    (folder / "plugins").mkdir()
    (folder / "plugins" / "actions.py").write_text(textwrap.dedent(ACTIONS.format(text=greeting)))
    return folder


async def test_two_domains_with_the_same_action_name_each_run_their_own(tmp_path: Path, clean_registries: None):
    first = load_domain(shop(tmp_path / "a" / "shop", "Welcome to the first shop."))
    second = load_domain(shop(tmp_path / "b" / "shop", "Welcome to the second shop."))
    load_local_plugins(first)
    load_local_plugins(second)  # registers action_greet again, later
    bots = [assemble(domain, InProcessBus(), store=MemoryStore(), nlu_components=[]) for domain in (first, second)]
    try:
        replies = [[m.text for m in (await bot.say("c1", "/greet")).replies] for bot in bots]
    finally:
        for bot in bots:
            await bot.close()
    assert replies == [["Welcome to the first shop."], ["Welcome to the second shop."]]


def test_a_domain_sees_its_own_components_and_the_shared_ones_never_another_domains(
        tmp_path: Path, clean_registries: None):
    first = load_domain(shop(tmp_path / "a" / "shop", "first"))
    second = load_domain(shop(tmp_path / "b" / "shop", "second"))
    load_local_plugins(first)
    load_local_plugins(second)
    nlg = registry("nlg")
    assert nlg.get("scoped_nlg", domain_scope(first.path)).label == "first"
    assert nlg.get("scoped_nlg", domain_scope(second.path)).label == "second"
    assert nlg.get("templates", domain_scope(first.path)).__name__ == "TemplateRealiser"  # built-ins are shared
    other = load_domain(shutil.copytree(FIXTURE, tmp_path / "plain"))
    with pytest.raises(PluginError, match="No nlg component named 'scoped_nlg'"):
        build_component("nlg", ComponentSpec(use="scoped_nlg"), other)
    assert nlg.get("scoped_nlg").label == "second"  # an unscoped lookup: the latest registration


def test_an_action_only_another_domain_registers_is_reported_missing(tmp_path: Path, clean_registries: None):
    load_local_plugins(load_domain(shop(tmp_path / "a" / "shop", "first")))
    without = shop(tmp_path / "b" / "shop", "second")
    (without / "plugins" / "actions.py").unlink()
    problems = action_problems(load_domain(without))
    assert [p.message.split(" (")[0] for p in problems] == ["action 'action_greet' is declared but no plugin registers it"]


def test_registrations_outside_any_domain_are_shared(tmp_path: Path, clean_registries: None):
    shared, mine = object(), object()
    registry("nlg").add("scoped_nlg", shared)
    with plugin_scope(tmp_path / "somewhere"):
        registry("action").add("action_greet", mine)
    assert registry("nlg").get("scoped_nlg", domain_scope(tmp_path / "elsewhere")) is shared
    assert registry("action").get("action_greet", domain_scope(tmp_path / "somewhere")) is mine
    assert not registry("action").has("action_greet", domain_scope(tmp_path / "elsewhere"))
