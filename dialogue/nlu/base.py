"""Small helpers shared by the NLU components: rankings, hashing, word boundaries."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dialogue.messages import Entity, IntentScore, ParsedMessage


class NotTrainedError(RuntimeError):
    """A trainable component was asked to parse (or save) before it was trained or loaded."""


#: how many alternatives an intent classifier keeps in ``intent_ranking``
RANKING_SIZE = 10

#: intent names that mean "not something this bot does" unless the fallback's ``oos_labels`` says otherwise
OUT_OF_SCOPE_LABELS = ("oos", "out_of_scope", "outofscope")

#: metadata key of a classifier's learned out-of-scope decision: {"probability", "threshold", "out_of_scope"}
OOS_KEY = "nlu_out_of_scope"

#: metadata key saying whether a message holds any word the bot knows (False: "asdfgh zxcvb", so unclear)
READABLE_KEY = "nlu_readable"


def judged_out_of_scope(parse: ParsedMessage) -> bool:
    """The classifier's learned out-of-scope decision (``OOS_KEY``) says this is not for the bot."""
    decision = parse.metadata.get(OOS_KEY)
    return isinstance(decision, dict) and bool(decision.get("out_of_scope"))


def ranking_from_scores(labels: Sequence[str], scores: Sequence[float], size: int = RANKING_SIZE) -> tuple[IntentScore, ...]:
    """Best-first ``IntentScore`` list of the ``size`` highest scores."""
    order = sorted(range(len(labels)), key=lambda i: -float(scores[i]))[:size]
    return tuple(IntentScore(name=labels[i], confidence=round(float(scores[i]), 6)) for i in order)


def readability(spelling: Any, text: str) -> dict[str, bool]:
    """``{READABLE_KEY: ...}`` where a classifier's typo corrector (``SpellingCorrector``) can judge
    ``text`` (the message as the classifier read it), else nothing: the fallback reads the key."""
    readable = spelling.readable(text) if spelling is not None and text.strip() else None
    return {} if readable is None else {READABLE_KEY: readable}


def with_ranking(parse: ParsedMessage, ranking: tuple[IntentScore, ...]) -> ParsedMessage:
    """The parse with its intent set to the top of ``ranking``."""
    if not ranking:
        return parse
    return parse.model_copy(update={"intent": ranking[0], "intent_ranking": ranking})


def add_entities(parse: ParsedMessage, entities: Sequence[Entity]) -> ParsedMessage:
    if not entities:
        return parse
    return parse.model_copy(update={"entities": (*parse.entities, *entities)})


def content_hash(*parts: Any) -> str:
    """sha256 of JSON-serialised parts (sorted keys), for model fingerprints."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def whole_word_pattern(values: Mapping[str, Any] | Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any value as a whole word, longest first."""
    forms = sorted({str(v) for v in values if str(v).strip()}, key=len, reverse=True)
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in forms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
