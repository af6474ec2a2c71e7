"""Tell the dialogue manager when a message tells of its request as already done: "why did you cancel my order?".

A classifier reads "why did you cancel order 104302", "I cancelled order 104302 by mistake, can I undo it?" and
"has my address been changed?" as ``cancel_order`` and ``change_address``, as sure as the requests themselves; the
bot then asks "cancel order 104302?" of someone who complains that it was cancelled, and a "yes" meant as "that's
the order" would cancel it. This step runs after the intent classifier. It finds the actions a message tells as
done (``dialogue.tense``) and reads them alone and the message without them, with the steps before it. The request
is told as done when a past action is the action the intent asks for (its verb is one the intent's examples use),
reads alone as the intent, and the rest of the message does not:

* "why did you cancel order 104302": "cancel order 104302" is ``cancel_order``, "why" is not: told as done;
* "I placed an order yesterday, cancel it please": "placed an order yesterday" is no cancellation: the request
  stands;
* "you lost my package", read as ``complaint``: "lose" is not what a complaint asks for ("I want to make a
  complaint"), so it stands; neither does a past phrase like those of the intent's own examples.

``metadata["nlu_past"]`` holds the phrases, the rest and ``request_past``. The intent stays as read; the dialogue
manager starts no flow that changes data on it and asks whether it is wanted now (``ChangeGuard``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from dialogue.domain.examples import TrainingData
from dialogue.messages import PAST_KEY, ParsedMessage
from dialogue.nlu.rereading import word_set
from dialogue.nlu.withdrawn_requests import Phrase, WithdrawnRequests
from dialogue.questions import tagger
from dialogue.tense import IRREGULAR_PAST, past_actions_of

#: verbs that carry no request of their own ("I want to", "can you", "please do")
_HELPERS = frozenset({"be", "have", "do", "want", "need", "like", "would", "will", "can", "could", "shall", "should",
                      "may", "might", "must", "let", "please", "help", "get", "go", "make", "know", "think", "wanna"})
#: the tags of verbs that ask ("cancel it", "I want to cancel", "cancelling"), not of those that tell of the past
_PRESENT = frozenset({"VB", "VBP", "VBZ", "VBG"})
#: words that tell of the past before a bare verb: "did you cancel", "I was going to cancel"
_TOLD_BEFORE_THE_VERB = frozenset({"did", "was", "were"})


def verb_stem(lemma: str) -> str:
    """A lemma without the endings spaCy's lemmatiser leaves on rare verbs: "unenrolle" (from "unenrolled"),
    "unenroll" and "unenrol" are one verb."""
    stem = lemma.lower()
    stem = stem[:-1] if len(stem) > 3 and stem.endswith("e") else stem
    return stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiou" else stem


class PastRequests(WithdrawnRequests):
    name = "past_requests"
    version = 2
    key = PAST_KEY
    phrases_field = "past"
    flag = "request_past"

    def __init__(self, min_confidence: float, config: WithdrawnRequests.Config | None = None) -> None:
        super().__init__(min_confidence, config)
        self.verbs: dict[str, frozenset[str]] = {}  # intent -> stems of the verbs its examples ask with

    def phrases(self, texts: Sequence[str]) -> list[list[Phrase]]:
        return [[Phrase(text[a.start:a.scope_end], a.scope, (a.start, a.scope_end), a.verb) for a in actions]
                for text, actions in zip(texts, past_actions_of(texts))]

    def may_withdraw(self, parse: ParsedMessage) -> bool:
        """Only a message with a word that may be a past form of one of its intent's verbs goes through the tagger:
        "-ed" on the same first three letters ("cancelled" for "cancel"), "did" or "was" before such a verb, or
        an irregular past form ("sent")."""
        verbs = self.verbs.get(parse.intent.name)
        if not verbs:
            return False
        starts = {verb[:3] for verb in verbs}
        words = word_set(parse.text)
        return any(word in IRREGULAR_PAST or word.endswith("ed") and word[:3] in starts for word in words) \
            or (bool(words & _TOLD_BEFORE_THE_VERB) and any(word[:3] in starts for word in words))

    def fits(self, intent: str, phrase: Phrase) -> bool:
        return verb_stem(phrase.verb) in self.verbs.get(intent, frozenset())

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        super().train(data, progress)
        nlp = tagger()
        verbs: dict[str, set[str]] = {}
        if nlp is not None:
            examples = list(data.examples)
            for example, doc in zip(examples, nlp.pipe([e.text for e in examples])):
                verbs.setdefault(example.intent, set()).update(  # asked for, not told of: no past forms
                    verb_stem(t.lemma_) for t in doc if t.tag_ in _PRESENT and t.lemma_.lower() not in _HELPERS)
        self.verbs = {intent: frozenset(found) for intent, found in verbs.items()}

    def save(self, directory: Path) -> None:
        super().save(directory)
        table = {intent: sorted(found) for intent, found in self.verbs.items()}
        (Path(directory) / "verbs.json").write_text(json.dumps(table), encoding="utf-8")

    def load(self, directory: Path) -> None:
        super().load(directory)
        table = json.loads((Path(directory) / "verbs.json").read_text(encoding="utf-8"))
        self.verbs = {intent: frozenset(found) for intent, found in table.items()}
