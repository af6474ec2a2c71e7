"""`dialogue init`: the blank bot validates, trains and passes its own tests; --from copies and renames."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dialogue.domain import load_domain
from dialogue.scaffold import BLANK, ScaffoldError, create_bot, rename_bot, resolve_source, shipped_packs

ROOT = Path(__file__).resolve().parents[2]


def dialogue(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "dialogue", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=900)


def test_blank_bot_validates_trains_and_passes_its_own_tests(tmp_path: Path):
    made = dialogue("init", "bot", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    bot = tmp_path / "bot"
    assert load_domain(bot).name == "bot"  # named after its folder
    assert (bot / ".schema" / "domain.schema.json").is_file()  # the files' yaml-language-server lines point here
    checked = dialogue("validate", "bot", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    tested = dialogue("test", "bot", "--json", "results.json", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    results = yaml.safe_load((tmp_path / "results.json").read_text())
    assert results["failed"] == 0 and results["passed"] >= 6
    assert results["nlu"]["status"] == "ok" and results["nlu"]["intent_accuracy"] > 0.6
    # the Python action really ran: the confirmed request was saved with a reference
    saved = [t for t in results["tests"] if t["name"].startswith("a callback request")][0]
    assert saved["turns"][-1]["slots"]["ticket"] == "CB-1001"


def test_blank_bot_has_a_few_intents_one_form_one_action_and_tests():
    domain = load_domain(BLANK)
    assert 5 <= len(domain.intents) <= 12 and len(domain.forms) == 1 and len(domain.actions) == 1
    assert list((BLANK / "plugins").glob("*.py")) and list((BLANK / "tests").glob("*.yml"))
    assert all(spec.title for spec in domain.intents.values())  # readable "did you mean" buttons


def test_from_a_pack_copies_it_renamed_without_local_state(tmp_path: Path):
    assert shipped_packs() == ["customer_service", "education", "medical"]
    origin = ROOT / "domains" / "education"
    target = tmp_path / "school-bot"
    create_bot(target, "education")
    assert load_domain(target).name == "school-bot"
    assert (target / "plugins" / "quiz.py").read_text() == (origin / "plugins" / "quiz.py").read_text()
    # only the name line changed; comments and layout are kept
    before, after = (origin / "domain.yml").read_text().splitlines(), (target / "domain.yml").read_text().splitlines()
    assert [(a, b) for a, b in zip(before, after) if a != b] == [("name: education", "name: school-bot")]


def test_from_any_domain_folder_leaving_trained_models_and_conversations_behind(tmp_path: Path, tiny_domain: Path):
    (tiny_domain / ".dialogue").mkdir()
    (tiny_domain / ".dialogue" / "conversations.sqlite3").write_text("private")
    target = tmp_path / "copy"
    result = dialogue("init", str(target), "--from", str(tiny_domain))
    assert result.returncode == 0, result.stdout
    assert load_domain(target).name == "copy"
    assert not (target / ".dialogue").exists()


def test_refusals_say_why(tmp_path: Path):
    with pytest.raises(ScaffoldError, match='Did you mean "medical"'):
        resolve_source("medicl")
    with pytest.raises(ScaffoldError, match="not a domain folder"):
        resolve_source(str(tmp_path))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("keep me")
    result = dialogue("init", str(tmp_path / "full"))
    assert result.returncode == 2 and "not an empty folder" in result.stdout
    assert (tmp_path / "full" / "x.txt").read_text() == "keep me"


def test_rename_quotes_names_yaml_would_misread(tmp_path: Path):
    folder = tmp_path / "d"
    shutil.copytree(BLANK, folder)
    rename_bot(folder, "my bot: v2")
    assert load_domain(folder).name == "my bot: v2"


@pytest.mark.slow
def test_an_installed_wheel_can_start_from_every_pack(tmp_path: Path):
    """Build a real wheel, install it (not editable) in a fresh venv, and `init --from` each pack there."""
    wheels = tmp_path / "wheels"
    leftovers = [p for p in (ROOT / "build", ROOT / "dialogue.egg-info") if not p.exists()]
    try:
        built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(wheels), "-q"],
                               capture_output=True, text=True, timeout=900)
    finally:
        for path in leftovers:  # the in-tree build's by-products, which a checkout did not have before
            shutil.rmtree(path, ignore_errors=True)
    assert built.returncode == 0, built.stderr
    # nothing from the checkout may be importable there (a PYTHONPATH would make pip skip the install)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300, env=clean)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(next(wheels.glob("*.whl")))],
                         capture_output=True, text=True, timeout=1800, env=clean)
    assert pip.returncode == 0, pip.stderr
    work = tmp_path / "work"
    work.mkdir()
    installed = subprocess.run([str(venv / "bin" / "python"), "-c", "import dialogue; print(dialogue.__file__)"],
                               capture_output=True, text=True, cwd=work, env=clean, timeout=120)
    assert installed.stdout.startswith(str(venv)), installed.stdout + installed.stderr  # the wheel, not the checkout
    for pack in ("customer_service", "education", "medical"):
        made = subprocess.run([str(venv / "bin" / "dialogue"), "init", f"my_{pack}", "--from", pack],
                              capture_output=True, text=True, cwd=work, timeout=300, env=clean)
        assert made.returncode == 0, made.stdout + made.stderr
        assert (work / f"my_{pack}" / "domain.yml").is_file()
        checked = subprocess.run([str(venv / "bin" / "dialogue"), "validate", f"my_{pack}"],
                                 capture_output=True, text=True, cwd=work, timeout=300, env=clean)
        assert checked.returncode == 0, checked.stdout
        assert f"my_{pack}" in checked.stdout
