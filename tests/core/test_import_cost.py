"""`import dialogue` and `dialogue --help` stay light: no torch, transformers or spaCy."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "spacy", "llama_cpp", "sklearn")


def loaded_after(code: str) -> set[str]:
    script = code + "\nimport sys\nprint(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    return set(output.split())


def test_import_dialogue_does_not_import_heavy_libraries():
    assert not loaded_after("import dialogue") & set(HEAVY)


def test_cli_help_does_not_import_heavy_libraries():
    code = "import contextlib, io\nfrom dialogue.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n    main(['--help']) if False else None\nfrom dialogue.cli import build_parser\nbuild_parser().format_help()"
    assert not loaded_after(code) & set(HEAVY)


def test_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "dialogue", "--help"], check=True, capture_output=True, text=True).stdout
    for command in ("validate", "train", "chat", "test", "init"):
        assert command in out
