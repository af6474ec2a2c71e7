"""`dialogue plugins`: what a domain can name, and where each comes from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dialogue.scaffold import create_bot

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dialogue", "plugins", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_lists_built_ins_and_a_domains_own_actions_with_their_file_and_line(tmp_path: Path):
    create_bot(tmp_path / "bot")
    result = run("bot", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    entries = {(e["group"], e["name"]): e for e in json.loads(result.stdout)}
    assert entries[("nlu", "tfidf_intent")] == {"group": "nlu", "name": "tfidf_intent", "kind": "built-in",
                                                "source": "dialogue.nlu.tfidf:TfidfIntentClassifier"}
    assert entries[("generator", "llama_cpp")]["kind"] == "built-in"
    action = entries[("action", "action_request_callback")]
    assert action["kind"] == "local" and action["source"].startswith("bot/plugins/callbacks.py:")
    line = int(action["source"].rsplit(":", 1)[1])
    assert '@action("action_request_callback"' in (tmp_path / "bot/plugins/callbacks.py").read_text().splitlines()[line - 1]


def test_a_declared_action_nobody_registers_is_named(tmp_path: Path):
    bot = tmp_path / "bot"
    create_bot(bot)
    (bot / "actions.yml").write_text((bot / "actions.yml").read_text() + "  action_send_sms: {timeout: 2}\n")
    result = run(str(bot))
    assert result.returncode == 1
    assert "declared in actions but registered by no plugin: action_send_sms" in result.stdout
