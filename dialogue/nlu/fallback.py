"""Say "I'm not sure" instead of guessing: low confidence or out-of-scope → ``nlu_fallback``.

The intent ranking is kept untouched so the dialogue manager can offer the top
alternatives ("did you mean ...?"); ``metadata["nlu_fallback"]`` records why and what the
classifier's own best guess was.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import FALLBACK_INTENT, IntentScore, ParsedMessage
from dialogue.nlu.base import OOS_KEY, OUT_OF_SCOPE_LABELS, READABLE_KEY, judged_out_of_scope
from dialogue.protocols import ComponentConfig


class FallbackClassifier:
    class Config(ComponentConfig):
        threshold: float | None = Field(None, ge=0, le=1, description="Default: settings.fallback_threshold.")
        ambiguity_threshold: float | None = Field(
            None, ge=0, le=1, description="Also fall back when the top two confidences are closer than this."
        )
        min_similarity: float | None = Field(
            None, ge=-1, le=1,
            description="Also fall back when metadata['nlu_similarity'] (joint_bert: closeness to the training "
            "examples) is below this.",
        )
        oos_labels: list[str] = Field(
            default_factory=lambda: list(OUT_OF_SCOPE_LABELS),
            description="Intent names that mean 'not something this bot does'.",
        )
        suggestions: int = Field(3, ge=0, description="How many in-scope alternatives to list in metadata.")
        detect_out_of_scope: bool = Field(
            True, description="Follow the classifier's learned out-of-scope decision (metadata['nlu_out_of_scope'], "
            "sentence_intent) when it has one.",
        )

    name = "fallback"

    def __init__(self, threshold: float, config: Config | None = None) -> None:
        self.threshold = threshold
        self.config = config or self.Config()
        self.oos = {label.lower() for label in self.config.oos_labels}

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> FallbackClassifier:
        threshold = config.threshold if config.threshold is not None else domain.settings.fallback_threshold
        return cls(threshold, config)

    def reason(self, parse: ParsedMessage) -> str | None:
        top = parse.intent
        if not top.name:
            return "no intent"
        if parse.metadata.get(READABLE_KEY) is False:
            # "asdfgh zxcvb": no word the bot knows, so whatever the classifier made of it, it is not a
            # request (in scope or not) but unclear: the manager asks "did you mean ...?"
            return "unclear: no word the bot knows"
        if top.name.lower() in self.oos:
            # a confident out-of-scope label gets the domain's out-of-scope reply; a weak one
            # (junk, typos) is just unclear, so the manager asks "did you mean ...?"
            if top.confidence >= self.threshold:
                return "out of scope"
            return f"unclear: out of scope at only {top.confidence:.2f}, below {self.threshold:.2f}"
        if self.config.detect_out_of_scope and judged_out_of_scope(parse):
            return "out of scope"
        if top.confidence < self.threshold:
            return f"confidence {top.confidence:.2f} below {self.threshold:.2f}"
        similarity = parse.metadata.get("nlu_similarity")
        if self.config.min_similarity is not None and isinstance(similarity, (int, float)) and similarity < self.config.min_similarity:
            return f"far from the training examples (similarity {similarity:.2f} below {self.config.min_similarity:.2f})"
        ranking = parse.intent_ranking
        if self.config.ambiguity_threshold is not None and len(ranking) > 1:
            margin = ranking[0].confidence - ranking[1].confidence
            if margin < self.config.ambiguity_threshold:
                return f"ambiguous: {ranking[0].name} vs {ranking[1].name} (margin {margin:.2f})"
        return None

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        why = self.reason(parse)
        if why is None:
            return parse
        alternatives = [s.name for s in parse.intent_ranking if s.name.lower() not in self.oos and s.name != FALLBACK_INTENT]
        info = {"reason": why, "predicted": parse.intent.name, "suggestions": alternatives[: self.config.suggestions]}
        learned = parse.metadata.get(OOS_KEY) if why == "out of scope" and judged_out_of_scope(parse) else None
        # how sure we are that this is a fallback: the out-of-scope probability or label confidence, else the doubt
        if learned is not None:
            sure = float(learned["probability"])
            info["detected_by"] = "learned out-of-scope decision"
        elif why == "out of scope":
            sure = parse.intent.confidence
        else:
            sure = 1.0 - parse.intent.confidence
        return parse.model_copy(
            update={
                "intent": IntentScore(name=FALLBACK_INTENT, confidence=round(sure, 6)),
                "metadata": {**parse.metadata, FALLBACK_INTENT: info},
            }
        )
