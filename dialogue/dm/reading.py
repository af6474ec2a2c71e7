"""How the manager reads a message while a form waits: an answer, another request, a clear yes or no.

The classifier names an intent; this module adds what the dialogue state and the words say, so a
form never stores "what's the capital of France" as a student ID and a confirmation never takes
"don't cancel it" (classified as a cancellation) or "maybe" (classified as a yes) for a yes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from dialogue.messages import FALLBACK_INTENT, IntentScore
from dialogue.negation import hesitation, negations

#: words that open a clear yes; a negation after one of them makes the answer "yes and no"
YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "yea", "ya", "yess", "sure", "correct", "confirm", "confirmed",
                       "absolutely", "definitely", "certainly", "right", "affirmative"})


@dataclass(frozen=True)
class Reading:
    """What the manager knows about the message beyond its intent, for the active form."""

    intent: str  # the effective intent (``nlu_fallback`` below the fallback threshold)
    confidence: float
    rule: bool = False  # a rule names this intent and matches now: the message may be a digression
    answering_rule: bool = False  # ...and that rule answers without starting a form (a question, not a task)
    out_of_scope: bool = False  # clearly out of scope: an out-of-scope intent or NLU fallback at confirm_threshold+
    question: bool = False  # the words read as a question ("how much is...", "...?")
    unlike_examples: bool = False  # out of scope only because it is unlike every training example (no label said so)

    @property
    def other_request(self) -> bool:
        """An understood intent that a rule answers now: maybe not an answer to the form's question."""
        return self.rule and self.intent != FALLBACK_INTENT


class Answer(Enum):
    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"  # neither: ask again
    OTHER = "other"  # not an answer to the confirmation: a question or another request


def opens_with_yes(text: str) -> bool:
    """"yes, ...", "sure ...", "yep ...": the message starts with a yes-word."""
    match = re.match(r"\W*([a-z]+)", text.lower())
    return match is not None and match.group(1) in YES_WORDS


def yes_confidence(ranking: Sequence[IntentScore], affirm_intents: Sequence[str]) -> float:
    """How sure the NLU is that the message means yes: when its best guess is one of the intents that confirm
    this form, the confidence of all of them together ("yes cancel it" split between ``affirm`` and
    ``cancel_appointment`` is one yes); 0 otherwise."""
    if not ranking or ranking[0].name not in affirm_intents:
        return 0.0
    return min(1.0, sum(score.confidence for score in ranking if score.name in affirm_intents))


def confirmation_answer(text: str, yes: float, reading: Reading, refusing_intents: Sequence[str],
                        threshold: float) -> tuple[Answer, str]:
    """Is ``text`` a clear yes, a no, unclear, or something else? With the reason, for explanations.

    A negation is a no ("don't cancel it", "no, keep it") unless the message opens with a yes ("yes, don't
    wait"): then it is unclear, like a hedge ("maybe", "not sure"), and so is a negative question or an
    inability alone ("can't you just do it?", "I couldn't do it myself"). A yes needs ``yes`` (see
    ``yes_confidence``; a button payload has 1.0) at or above ``threshold``; below it, it is unclear. An
    intent that refuses (``deny``, or one that cancels the form) is a no, unless the message opens with a
    yes ("yes, cancel it" read as "stop"): unclear again.
    """
    found = negations(text)
    if found:
        said = " / ".join(f"{n.cue} {n.scope}".strip() for n in found)
        if opens_with_yes(text):
            return Answer.UNCLEAR, f"yes and no at once ({said!r})"
        if all(negation.question for negation in found):
            return Answer.UNCLEAR, f"a negative question ({said!r}), not a yes or a no"
        if all(negation.asks for negation in found):
            return Answer.UNCLEAR, f"says what could not be done ({said!r}), not a yes or a no"
        return Answer.NO, f"negated ({said!r})"
    hedge = hesitation(text)
    if hedge is not None:
        return Answer.UNCLEAR, f"hesitant ({hedge!r})"
    if yes > 0:
        if yes >= threshold:
            return Answer.YES, f"a yes at {yes:.2f}"
        return Answer.UNCLEAR, f"a yes at only {yes:.2f}, below {threshold:.2f}"
    if reading.intent in refusing_intents:
        if opens_with_yes(text):
            return Answer.UNCLEAR, f"yes and no at once (a yes read as {reading.intent})"
        return Answer.NO, f"{reading.intent} at {reading.confidence:.2f}"
    if reading.out_of_scope or reading.intent != FALLBACK_INTENT:
        return Answer.OTHER, f"{reading.intent} is not an answer to the confirmation"
    return Answer.UNCLEAR, "not understood"
