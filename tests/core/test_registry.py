"""Plugin discovery: built-ins, entry points of installed packages, a domain's local modules."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
from pathlib import Path

import pytest

from dialogue.components import import_domain_plugin, load_local_plugins
from dialogue.domain import load_domain
from dialogue.registry import PluginError, Registry, plugin_package_name, registry


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


# --------------------------------------------------------------------------- the plugins/ package


@pytest.fixture
def clean_modules():
    """Take the temp domains' plugin modules (and their registered actions) out again after the test."""
    before = set(sys.modules)
    actions = set(registry("action").names())
    yield
    for name in set(sys.modules) - before:
        if name.startswith("dialogue_domains."):
            del sys.modules[name]
    for name in set(registry("action").names()) - actions:
        registry("action").remove(name)


def write_plugins(domain: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = domain / "plugins" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return domain / "plugins"


SIBLINGS = {
    "_common.py": """
        GREETING = "hello from common"
        LOADS = []
    """,
    "actions.py": """
        from dialogue.actions import ActionContext, action

        from . import _common
        from ._common import GREETING

        _common.LOADS.append(__name__)

        @action("action_tiny_greet")
        async def greet(ctx: ActionContext) -> None:
            ctx.say(GREETING)
    """,
}


def test_plugin_files_import_each_other_relatively(tiny_domain: Path, clean_modules: None):
    write_plugins(tiny_domain, SIBLINGS)
    domain = load_domain(tiny_domain)
    load_local_plugins(domain)
    registered = registry("action").get("action_tiny_greet")
    actions = import_domain_plugin(domain, "actions")
    common = import_domain_plugin(tiny_domain, "_common")
    assert registered.run.__module__ == actions.__name__ == plugin_package_name(tiny_domain) + ".actions"
    assert actions.greet is registered.run and actions._common is common
    assert common.LOADS == [actions.__name__]
    package = sys.modules[plugin_package_name(tiny_domain)]
    assert package.__path__ == [str((tiny_domain / "plugins").resolve())]


def test_loading_twice_imports_and_registers_once(tiny_domain: Path, clean_modules: None,
                                                  monkeypatch: pytest.MonkeyPatch):
    write_plugins(tiny_domain, SIBLINGS)
    added: list[str] = []
    add = Registry.add
    monkeypatch.setattr(Registry, "add", lambda self, name, target: (added.append(name), add(self, name, target))[1])
    domain = load_domain(tiny_domain)
    load_local_plugins(domain)
    load_local_plugins(load_domain(tiny_domain))
    assert import_domain_plugin(domain, "actions") is import_domain_plugin(str(tiny_domain), "actions")
    assert added == ["action_tiny_greet"]
    assert import_domain_plugin(tiny_domain, "_common").LOADS == [plugin_package_name(tiny_domain) + ".actions"]


def test_a_plugin_that_raises_leaves_nothing_behind_and_a_fixed_one_loads(tiny_domain: Path, clean_modules: None):
    plugins = write_plugins(tiny_domain, {
        "_helper.py": "raise ValueError('misconfigured helper')\n",
        "actions.py": "from . import _helper\nVALUE = _helper.VALUE\n",
    })
    with pytest.raises(PluginError) as info:
        load_local_plugins(load_domain(tiny_domain))
    message = str(info.value)
    assert str(plugins.resolve() / "actions.py") in message
    assert "misconfigured helper" in message and "Traceback" in message and "_helper.py" in message
    package = plugin_package_name(tiny_domain)
    assert not [m for m in sys.modules if m.startswith(package + ".")]
    (plugins / "_helper.py").write_text("VALUE = 'fixed, and a different size'\n")  # a new size: no stale .pyc
    load_local_plugins(load_domain(tiny_domain))
    assert import_domain_plugin(tiny_domain, "actions").VALUE == "fixed, and a different size"


def test_a_missing_plugin_module_is_a_plugin_error(tiny_domain: Path, clean_modules: None):
    write_plugins(tiny_domain, SIBLINGS)
    with pytest.raises(PluginError, match="nope.py does not exist"):
        import_domain_plugin(tiny_domain, "nope")


def test_same_folder_name_in_two_places_does_not_clash(tmp_path: Path, clean_modules: None):
    first, second = tmp_path / "a" / "shop", tmp_path / "b" / "shop"
    for domain, value in ((first, "first"), (second, "second")):
        write_plugins(domain, {"common.py": f"VALUE = {value!r}\n", "lib/__init__.py": "", "lib/deep.py": """
            from ..common import VALUE
        """})
    assert plugin_package_name(first) != plugin_package_name(second)
    assert plugin_package_name(first).startswith("dialogue_domains.shop_")
    assert plugin_package_name(first) == plugin_package_name(tmp_path / "a" / "x" / ".." / "shop")  # stable
    assert import_domain_plugin(first, "lib.deep").VALUE == "first"
    assert import_domain_plugin(second, "lib.deep").VALUE == "second"
    assert import_domain_plugin(first, "common") is not import_domain_plugin(second, "common")


def test_the_package_runs_plugins_init_and_listed_files_outside_plugins_load_by_path(
        tiny_domain: Path, clean_modules: None):
    write_plugins(tiny_domain, {"__init__.py": "SETTING = 'from init'\n", "actions.py": """
        from . import SETTING
    """})
    (tiny_domain / "extra.py").write_text("from dialogue.registry import register\nregister('nlg', 'tiny_extra')(object)\n")
    with (tiny_domain / "domain.yml").open("a") as yml:
        yml.write("plugins:\n  - plugins/actions.py\n  - extra.py\n")
    domain = load_domain(tiny_domain)
    load_local_plugins(domain)
    load_local_plugins(domain)
    assert import_domain_plugin(domain, "actions").SETTING == "from init"
    extra = import_domain_plugin(domain, "extra.py")
    assert extra is import_domain_plugin(domain, tiny_domain / "extra.py")
    assert extra.__name__.startswith("dialogue_domains.file_extra_")
    registry("nlg").remove("tiny_extra")
