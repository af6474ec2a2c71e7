"""Small helpers the step benchmarks share: a count as a share of its whole, for their tables."""

from __future__ import annotations

from collections import Counter


def share(counts: Counter[str], part: str, whole: str) -> str:
    """``counts[part]`` out of ``counts[whole]``, with the percentage."""
    return f"{counts[part]}/{counts[whole]} ({100 * counts[part] / max(1, counts[whole]):.1f} %)"
