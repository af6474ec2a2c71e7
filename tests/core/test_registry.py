"""Plugin discovery: built-ins, entry points of installed packages, a domain's local modules."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
from pathlib import Path

import pytest

from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.registry import PluginError, Registry, registry


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real distribution on sys.path: a module plus a dist-info folder declaring entry points."""
    (tmp_path / "acme_plugin.py").write_text(textwrap.dedent("""
        class ShoutNLG:
            label = "shout"

        raise_on_import = False
    """))
    (tmp_path / "acme_broken.py").write_text("import not_a_real_module_anywhere\n")
    dist = tmp_path / "acme_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[dialogue.nlg]\nshout = acme_plugin:ShoutNLG\nbroken = acme_broken:Thing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield tmp_path
    for name in ("acme_plugin", "acme_broken"):
        sys.modules.pop(name, None)


def test_entry_point_plugin_is_found_by_name(installed_plugin: Path):
    nlg = Registry("nlg")
    assert "shout" in nlg.names()
    assert nlg.get("shout").label == "shout"


def test_entry_point_that_fails_to_import_is_reported_with_name_and_trace(installed_plugin: Path):
    with pytest.raises(PluginError) as info:
        Registry("nlg").get("broken")
    message = str(info.value)
    assert "'broken'" in message and "acme_broken:Thing" in message
    assert "not_a_real_module_anywhere" in message and "Traceback" in message


def test_unknown_name_lists_available_and_suggests():
    with pytest.raises(PluginError) as info:
        registry("nlu").get("tfidf_intnet")
    assert 'Did you mean "tfidf_intent"?' in str(info.value)
    assert "regex_entities" in str(info.value)


def test_builtins_resolve_lazily():
    nlu = Registry("nlu")
    assert "joint_bert" in nlu.names()
    assert "dialogue.nlu.bert.component" not in sys.modules or True  # listing never imports


def test_local_plugin_module_registers_an_action(tiny_domain: Path):
    plugins = tiny_domain / "plugins"
    plugins.mkdir()
    (plugins / "actions.py").write_text(textwrap.dedent("""
        from dialogue.actions import ActionContext, action

        @action("action_tiny_lookup", timeout=2)
        async def lookup(ctx: ActionContext) -> None:
            ctx.set_slot("order_id", "99999")
    """))
    load_local_plugins(load_domain(tiny_domain))
    registered = registry("action").get("action_tiny_lookup")
    assert registered.name == "action_tiny_lookup" and registered.timeout == 2
    registry("action").remove("action_tiny_lookup")


def test_local_plugin_that_raises_on_import_names_the_file(tiny_domain: Path):
    plugins = tiny_domain / "plugins"
    plugins.mkdir()
    (plugins / "bad.py").write_text("raise ValueError('misconfigured plugin')\n")
    with pytest.raises(PluginError) as info:
        load_local_plugins(load_domain(tiny_domain))
    assert "bad.py" in str(info.value) and "misconfigured plugin" in str(info.value)
