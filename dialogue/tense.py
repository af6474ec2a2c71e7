"""What a message tells as already done: "why did you cancel my order?", "I already cancelled it", "has my address
been changed?".

A classifier reads "I cancelled order 104302 by mistake, can I undo it?" as ``cancel_order``: the words are those of
the request. Said in the past, an action is news, a complaint or a question about what happened, not a request to
do it now. This module finds such **past actions** with spaCy's part-of-speech tagger (loaded on first use; without
spaCy nothing is found): a cue and the words it tells of, up to the end of the clause, like a negation's scope.

* "did" before a bare verb: "why did you cancel my order" (cue "did", scope "cancel my order"). "didn't" is a
  negation, left to ``dialogue.negation``.
* a verb in the past tense after its subject: "I already cancelled order 104302" (cue "cancelled", scope
  "cancelled order 104302"); "quit" alone is a command the tagger takes for a past form.
* an intention told as past: "I was going to cancel order 104302 but I changed my mind", "we were about to
  book" (cue "was", scope the bare verb and what follows);
* a past participle after a form of "have" or "be": "has my address been changed?", "was order 104302 cancelled?"
  (cue "has"/"was", scope the words up to the end of the clause).

Not past actions: verbs of wanting, trying and saying ("I wanted to cancel it", "I tried to change it", "you said
you would"), which tell of a request rather than of a deed, and a participle after a verb of wanting ("I want my
order cancelled", "I need the address changed").

Each past action carries the lemma of its verb ("cancel"), so a step can tell whether it is the action an intent asks
for. Only messages with a word that may be past (``may_be_past``) go through the tagger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dialogue.negation import MAX_SCOPE
from dialogue.questions import tagger
from dialogue.text import without_spans

#: past forms that tell of a wish, an attempt or a report: the request itself is not in the past
_NOT_DEEDS = frozenset({
    "wanted", "needed", "wondered", "hoped", "tried", "decided", "meant", "thought", "liked", "loved", "forgot",
    "planned", "intended", "wished", "asked", "said", "told", "requested", "called", "emailed", "wrote", "saw",
    "noticed", "heard", "realised", "realized", "ordered", "bought", "paid", "got", "used", "went", "came",
})
#: auxiliaries that make a participle after them perfect or passive: "has been changed", "was cancelled"
_AUXILIARIES = frozenset({"has", "have", "had", "'ve", "was", "were", "is", "are", "been", "'s", "got", "get"})
_PERFECT = frozenset({"has", "have", "had", "'ve"})
#: verbs after which a participle is what is wanted: "I want my order cancelled", "I'd like it changed"
_WANTING = frozenset({"want", "wants", "need", "needs", "like", "would", "'d", "please"})
#: verbs that want a participle in their bare form only: "get it cancelled", "to have it changed"
_CAUSING = frozenset({"get", "have"})
#: words that end a clause: the scope stops there
_CLAUSE_ENDS = frozenset({"and", "but", "so", "because", "cause", "though", "although", "while", "then", "also", "or"})
#: irregular past forms and participles people write in requests ("sent", "took", "paid")
IRREGULAR_PAST = frozenset({
    "done", "gone", "taken", "given", "seen", "written", "broken", "chosen", "stolen", "ran", "began", "came", "became",
    "gave", "took", "shook", "broke", "spoke", "woke", "wrote", "chose", "drove", "froze", "stole", "saw", "rang",
    "sang", "sank", "swam", "won", "wore", "tore", "ate", "fell", "made", "paid", "sold", "told", "said", "found",
    "held", "laid", "hid", "led", "fed", "overcame", "put", "set", "cut", "hit", "quit", "shut", "upset", "sent",
    "spent", "lent", "bent", "built", "meant", "felt", "kept", "left", "lost", "slept", "dealt", "burnt", "learnt",
    "bought", "brought", "caught", "taught", "thought", "fought", "sought", "got", "gotten", "withdrew", "withdrawn",
    "drew", "drawn", "knew", "known", "threw", "thrown", "flew", "grew", "undid", "undone", "redid", "stuck", "hung",
})
_REGULAR_PAST = re.compile(r"\b(?:did|was|were|\w+ed)\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z]+")


def may_be_past(text: str) -> bool:
    """A word of ``text`` may be a past form ("did", "-ed", "sent"): only such messages go through the tagger."""
    return bool(_REGULAR_PAST.search(text)) or any(w in IRREGULAR_PAST for w in _WORDS.findall(text.lower()))


@dataclass(frozen=True)
class PastAction:
    """One action told as done: its cue as written, where it is, the words it tells of and its verb's lemma."""

    cue: str
    start: int
    end: int
    scope: str
    scope_end: int
    verb: str


def _clause_end(tokens: Any, start: int) -> int:
    """Index of the first token from ``start`` on that ends its clause (or the end of the message)."""
    for index in range(start, len(tokens)):
        if tokens[index].is_punct or tokens[index].lower_ in _CLAUSE_ENDS:
            return index
    return len(tokens)


def _clause_start(tokens: Any, index: int) -> int:
    while index > 0 and not (tokens[index - 1].is_punct or tokens[index - 1].lower_ in _CLAUSE_ENDS):
        index -= 1
    return index


def _action(text: str, tokens: Any, cue: int, first: int, verb: int) -> PastAction:
    """The past action whose cue is ``tokens[cue]``, whose scope starts at ``tokens[first]`` and whose verb is
    ``tokens[verb]``."""
    last = max(first, min(_clause_end(tokens, first), first + MAX_SCOPE) - 1, verb)
    end = tokens[last].idx + len(tokens[last].text)
    return PastAction(cue=tokens[cue].text, start=tokens[cue].idx, end=tokens[cue].idx + len(tokens[cue].text),
                      scope=text[tokens[first].idx:end], scope_end=end, verb=tokens[verb].lemma_.lower())


def _auxiliary(tokens: Any, clause: int, index: int) -> int | None:
    """The auxiliary that makes ``tokens[index]`` perfect or passive: the nearest one before it in its clause, or the
    "has" of "has ... been"."""
    nearest = next((i for i in range(index - 1, clause - 1, -1) if tokens[i].lower_ in _AUXILIARIES), None)
    if nearest is not None and tokens[nearest].lower_ == "been":
        return next((i for i in range(nearest - 1, clause - 1, -1) if tokens[i].lower_ in _PERFECT), nearest)
    return nearest


def _found(text: str, tokens: Any) -> list[PastAction]:
    found: list[PastAction] = []
    covered = -1  # a verb inside an action already found is part of it
    for index, token in enumerate(tokens):
        if index <= covered:
            continue
        lower = token.lower_
        action = None
        if lower in ("was", "were") and [t.lower_ for t in tokens[index + 1:index + 3]] in (["going", "to"], ["about", "to"]) \
                and index + 3 < len(tokens) and tokens[index + 3].tag_ == "VB":
            action = _action(text, tokens, index, index + 3, index + 3)  # "I was going to cancel it"
        elif lower == "did" and index + 1 < len(tokens) and tokens[index + 1].lower_ not in ("n't", "not"):
            verb = next((i for i in range(index + 1, min(index + 4, len(tokens))) if tokens[i].tag_ == "VB"), None)
            if verb is not None:
                action = _action(text, tokens, index, verb, verb)  # "why did you cancel my order"
        elif token.tag_ in ("VBD", "VBN") and lower not in _NOT_DEEDS and lower not in _AUXILIARIES and lower != "did":
            clause = _clause_start(tokens, index)
            if any(t.lower_ in _WANTING or (t.lower_ in _CAUSING and t.tag_ == "VB") for t in tokens[clause:index]):
                continue  # "I want my order cancelled", "please get it changed": what is wanted
            auxiliary = _auxiliary(tokens, clause, index)
            if auxiliary is not None and tokens[auxiliary].tag_ in ("VBD", "VBZ", "VBP", "VBN"):
                action = _action(text, tokens, auxiliary, auxiliary + 1, index)  # "was my order cancelled"
            elif token.tag_ == "VBD" and index > clause:
                action = _action(text, tokens, index, index, index)  # "I cancelled order 104302"
        if action is not None:
            found.append(action)
            covered = next(i for i, t in enumerate(tokens) if t.idx + len(t.text) >= action.scope_end)
    return found


def past_actions_of(texts: Sequence[str]) -> list[list[PastAction]]:
    """Every action each text tells as already done, in order; empty lists without spaCy."""
    nlp = tagger()
    results: list[list[PastAction]] = [[] for _ in texts]
    candidates = [i for i, text in enumerate(texts) if may_be_past(text)]
    if nlp is None or not candidates:
        return results
    for i, doc in zip(candidates, nlp.pipe([texts[i].replace("’", "'") for i in candidates])):
        results[i] = _found(texts[i], doc)
    return results


def past_actions(text: str) -> list[PastAction]:
    """Every action ``text`` tells as already done, in order; empty without spaCy."""
    return past_actions_of([text])[0]


def without_past_actions(text: str) -> str:
    """``text`` with its past actions taken out: "I cancelled order 104302 by mistake, can I undo it?" → "I , can I
    undo it?": what the message still asks for."""
    return without_spans(text, [(a.start, a.scope_end) for a in past_actions(text)])
