"""`dialogue test` reuses cross-validation while the data and pipeline are unchanged, and only then."""

from __future__ import annotations

from pathlib import Path

from dialogue.domain import load_domain
from dialogue.testing.nlu_scores import cache_key, nlu_scores


def test_scores_are_reused_until_examples_pipeline_or_plugins_change(tiny_domain: Path):
    first = nlu_scores(load_domain(tiny_domain))
    assert first["status"] == "ok" and first["reused"] is False
    again = nlu_scores(load_domain(tiny_domain))
    assert again["reused"] is True and again["intent_accuracy"] == first["intent_accuracy"]
    assert len(list((tiny_domain / ".dialogue" / "cv").glob("*.json"))) == 1

    nlu = tiny_domain / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("      - good morning\n", "      - good morning\n      - hey\n"))
    assert nlu_scores(load_domain(tiny_domain))["reused"] is False  # new example
    assert len(list((tiny_domain / ".dialogue" / "cv").glob("*.json"))) == 1  # the stale result is gone

    key = cache_key(load_domain(tiny_domain))
    (tiny_domain / "pipeline.yml").write_text("pipeline:\n  nlu: [regex_entities, {use: tfidf_intent, C: 3}, fallback]\n")
    assert cache_key(load_domain(tiny_domain)) != key  # pipeline parameters
    key = cache_key(load_domain(tiny_domain))
    (tiny_domain / "plugins").mkdir()
    (tiny_domain / "plugins" / "steps.py").write_text("# an NLU step could live here\n")
    assert cache_key(load_domain(tiny_domain)) != key  # plugin code
    assert nlu_scores(load_domain(tiny_domain), reuse=False)["reused"] is False


def test_the_order_of_examples_is_part_of_the_key(tiny_domain: Path):
    """Folds are drawn from the example order, so reordering gives other (equally valid) scores."""
    key = cache_key(load_domain(tiny_domain))
    nlu = tiny_domain / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("      - hello\n      - hi there\n", "      - hi there\n      - hello\n"))
    assert cache_key(load_domain(tiny_domain)) != key
