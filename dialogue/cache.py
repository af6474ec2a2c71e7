"""Where converted models are kept between processes (dequantised GGUF, ONNX exports).

``$DIALOGUE_CACHE`` first, then ``$XDG_CACHE_HOME``, then ``~/.cache``; each kind in its own folder.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(kind: str) -> Path:
    root = os.environ.get("DIALOGUE_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "dialogue" / kind
