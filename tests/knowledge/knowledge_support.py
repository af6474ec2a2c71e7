"""Helpers for the knowledge tests: a small shop knowledge folder, and an encoder that counts its work."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

CARE = """
# Product care

## Cast Iron Skillet
The skillet is not dishwasher safe: rinse it with hot water and rub in a thin layer of oil so it doesn't rust.

## Wool Sweater
Hand wash the sweater in cold water and dry it flat. Never tumble dry merino wool: it shrinks. If you're between
sizes, size up. The sweater comes in navy, oatmeal, forest green and burgundy, and every colour is made from the
same merino yarn, spun and dyed in Portugal by a family business that has made yarn for three generations.
"""
FAQ = """
- q: ["Do you offer gift wrapping?", "Can you wrap my order as a gift?"]
  a: Yes. Gift wrapping costs $4.50 per order; choose it at checkout.
  title: Gift wrapping
- q: How long is a gift card valid?
  a: Gift cards are valid for 3 years from the day they are sent.
  title: Gift cards
"""


def write_knowledge(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "care.md").write_text(textwrap.dedent(CARE).lstrip(), encoding="utf-8")
    (folder / "faq.yml").write_text(textwrap.dedent(FAQ).lstrip(), encoding="utf-8")
    return folder


class CountingEncoder:
    """The real encoder, counting the texts it embeds (to see the index cache work)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.path = inner.path
        self.dimension = inner.dimension
        self.texts = 0

    def encode(self, texts: list[str], threads: int | None = None) -> Any:
        self.texts += len(texts)
        return self.inner.encode(texts, threads)
