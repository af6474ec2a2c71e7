"""Negation and hesitation in English messages: cue words with a scope, in the spirit of NegEx.

"don't cancel it" is a refusal even when a classifier, which mostly sees "cancel", reads it as a
request to cancel; "not sure" or "hmm wait" are neither yes nor no. The dialogue manager uses this
where acting on a misunderstanding would do harm (confirmations); it is plain text processing, so the
NLU, actions and plugins may use it too.

* A **negation** is a cue ("no", "not", "never", "don't", "nope"...) and its **scope**: the words after it
  up to punctuation, a contrasting conjunction ("but", "though"...) or the next cue, at most
  ``MAX_SCOPE`` words. "please don't" has an empty scope; so has "no" in "no, keep it".
* Fixed phrases that contain a cue but say nothing negative ("no problem", "why not", "don't worry")
  are not negations.
* A **negative question** asks rather than refuses: a modal with "n't" before its subject ("can't you
  cancel it?", "won't you", "couldn't I") at the start of a clause, or any "n't" right after "why" or
  "how come" ("why don't you cancel it", "why can't I change the address", "how come I can't log in").
  It is reported with ``question`` set; it takes nothing away from the request (``without_negations``,
  ``negates``), but it is no clear yes either.
* An **inability** tells what the writer tried and could not do: "I can't cancel my order on the website",
  "we couldn't change the address", "it won't let me return it". It asks for help with the scope, so, like a
  negative question, it is reported (``inability`` set) but takes nothing away from the request. "I can't
  believe...", "I can't afford...", "I can't be without it" are no inability (a stance verb follows).
* A **retraction** takes back what came before it: "cancel order 104302. actually no, keep it", "cancel it lol
  jk", "change the address, never mind". It is reported with ``retracts`` set and its scope is the words
  *before* the cue (from the start of the message); one that opens the message retracts nothing ("forget it,
  cancel order 104302" asks for the cancellation).
* A **hesitation** is a hedge ("maybe", "not sure", "i guess", "hmm", "wait"...): the message is not a
  clear answer either way. A negation cue inside a hedge ("not" in "not sure") is part of the hedge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogue.text import without_spans

MAX_SCOPE = 6

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?()\[\]]")
_TERMINATORS = frozenset(".,;:!?()[]")
_CONJUNCTIONS = frozenset({"but", "however", "though", "although", "yet", "except", "instead", "because", "so",
                           "cause", "cos", "while", "whereas"})
_CUES = frozenset({
    "no", "not", "never", "nope", "nah", "naw", "nay", "noo", "nooo", "neither", "nor", "none", "nothing",
    "nobody", "nowhere", "without", "cannot", "negative", "forget",
    # contractions, with and without the apostrophe people often skip
    "don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "isn't", "isnt", "aren't", "arent", "wasn't",
    "wasnt", "weren't", "werent", "won't", "wouldn't", "wouldnt", "shouldn't", "shouldnt", "can't", "cant",
    "couldn't", "couldnt", "haven't", "havent", "hasn't", "hasnt", "hadn't", "hadnt", "mustn't", "mustnt",
    "needn't", "neednt", "ain't", "aint", "shan't", "dnt",
})
#: two-word cues (the second word completes a negation: "rather not", "no longer")
_PAIRS = {("do", "not"), ("does", "not"), ("did", "not"), ("will", "not"), ("would", "not"), ("should", "not"),
          ("could", "not"), ("can", "not")}
#: modals whose "n't" before a subject makes a question that asks for something: "can't you cancel it?"
_QUESTION_MODALS = frozenset({"can't", "cant", "cannot", "couldn't", "couldnt", "won't", "wont", "wouldn't", "wouldnt"})
_SUBJECTS = frozenset({"you", "u", "ya", "i", "we"})
#: "can't" after one of these subjects says what the writer could not do ("I can't cancel it")
_FIRST_PERSON = frozenset({"i", "we"})
_INABILITY_CUES = frozenset({"can't", "cant", "cannot", "couldn't", "couldnt", "can not", "could not"})
#: "won't let me cancel", "doesn't let us change": the system stood in the way
_LET_CUES = frozenset({"won't", "wont", "will not", "doesn't", "doesnt", "does not", "didn't", "didnt", "did not",
                       "wouldn't", "wouldnt", "would not"})
#: adverbs between the subject and "can't": "I just can't", "we still couldn't"
_INABILITY_ADVERBS = frozenset({"just", "still", "simply", "really", "even", "also", "now", "honestly", "literally"})
#: verbs after "I can't" that state a feeling or a fact, not a task that failed: "I can't believe", "I can't afford"
_STANCE_VERBS = frozenset({
    "believe", "understand", "imagine", "stand", "bear", "afford", "accept", "be", "have", "wait", "stop", "help",
    "say", "tell", "think", "agree", "risk", "lose", "go", "live", "do", "let", "allow", "see", "hear", "keep",
})
#: words that may come before a clause's first word without starting it: "so can't you...", "hey, why don't..."
_OPENERS = frozenset({"so", "and", "but", "well", "ok", "okay", "hey", "hi", "please", "seriously", "um", "like",
                      "then", "just"})
#: phrases with a cue that are not negative; matched as whole word sequences
_PSEUDO = tuple(tuple(p.split()) for p in (
    "no problem", "no problems", "no prob", "no probs", "no worries", "no worry", "not a problem", "no doubt",
    "why not", "not bad", "no question", "can't wait", "cant wait", "cannot wait", "don't worry", "dont worry",
    "don't forget", "dont forget", "do not forget", "never forget",
    "not only", "no matter", "whether or not", "if not", "not to mention", "can't complain", "cant complain",
    "couldn't be better", "no hesitation",
))
#: phrases that take back the words before them; matched as whole word sequences
_RETRACTIONS = tuple(tuple(p.split()) for p in (
    "actually no", "actually , no", "no wait", "wait no", "wait , no", "scratch that", "never mind", "nevermind", "nvm",
    "jk", "j k", "just kidding", "only kidding", "just joking", "forget it", "forget that", "on second thought",
    "on second thoughts", "actually don't", "actually , don't", "actually dont", "i take that back", "ignore that",
))
_HEDGES = tuple(tuple(p.split()) for p in (
    "not sure", "not really sure", "not so sure", "not too sure", "not certain", "unsure", "maybe", "perhaps",
    "possibly", "probably", "i guess", "guess so", "i suppose", "suppose so", "i think so", "idk",
    "dunno", "don't know", "dont know", "do not know", "no idea", "not know", "hmm", "hmmm", "hm", "umm", "um",
    "uh", "erm", "kinda", "kind of", "sort of", "sorta", "wait", "hold on", "let me think", "give me a sec",
    "one sec", "i'm torn", "either way", "whatever",
))


@dataclass(frozen=True)
class Negation:
    """One negation cue as written, where it is, and the words it applies to."""

    cue: str
    start: int
    end: int
    scope: str
    scope_end: int  # where the negated words end (``end`` when the scope is empty)
    question: bool = False  # a negative question ("can't you cancel it?"): it asks for the scope, not against it
    retracts: bool = False  # "..., actually no": the scope is the words before the cue, from ``scope_start``
    scope_start: int = -1  # where a retraction's scope starts (``start`` for any other negation)
    inability: bool = False  # "I can't cancel my order": the writer could not do the scope and asks for help with it

    @property
    def span(self) -> tuple[int, int]:
        """The characters the negation covers, cue and scope, whichever comes first."""
        return min(self.start, self.scope_start), self.scope_end

    @property
    def asks(self) -> bool:
        """The negation asks for its scope (a negative question, an inability) rather than refusing it."""
        return self.question or self.inability


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    lowered = text.lower().replace("’", "'").replace("‘", "'")
    return [_Token(m.group(0), m.start(), m.end()) for m in _WORD.finditer(lowered)]


def _phrase_spans(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> list[tuple[int, int]]:
    """Token index ranges [i, j) where one of ``phrases`` occurs."""
    spans = []
    for i in range(len(words)):
        for phrase in phrases:
            if tuple(words[i:i + len(phrase)]) == phrase:
                spans.append((i, i + len(phrase)))
    return spans


def _covered(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= index < end for start, end in spans)


def _cue_positions(words: list[str]) -> list[tuple[int, int]]:
    """Token ranges of negation cues (one or two tokens), in order."""
    cues = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and (words[i], words[i + 1]) in _PAIRS:
            cues.append((i, i + 2))
            i += 2
            continue
        if words[i] in _CUES or (words[i].endswith("n't") and len(words[i]) > 3):
            cues.append((i, i + 1))
        i += 1
    return cues


def _clause_start(words: list[str], index: int) -> bool:
    """Nothing but openers ("so", "hey"...) between the start of the clause and ``words[index]``."""
    while index > 0 and words[index - 1] in _OPENERS:
        index -= 1
    return index == 0 or words[index - 1] in _TERMINATORS


def _asks(words: list[str], start: int, end: int) -> bool:
    """The cue at ``words[start:end]`` opens a negative question: "can't you...", "why don't you...", "how come
    I can't..."."""
    cue = words[start]
    if end - start != 1 or not (cue.endswith("n't") or cue in _QUESTION_MODALS or cue.endswith("nt")):
        return False
    before = words[:start]
    if before[-1:] == ["why"] or before[-2:] == ["how", "come"]:
        return True
    if before[-3:-1] == ["how", "come"] and before[-1] in _SUBJECTS:  # "how come I can't..."
        return True
    following = words[end] if end < len(words) else ""
    return cue in _QUESTION_MODALS and following in _SUBJECTS and _clause_start(words, start)


def _unable(words: list[str], start: int, end: int) -> bool:
    """The cue at ``words[start:end]`` says what the writer tried and could not do: "I can't cancel my order",
    "we still couldn't change it", "it won't let me return it"."""
    cue = " ".join(words[start:end])
    following = words[end:end + 3]
    if cue in _LET_CUES:  # "won't let me cancel it"
        return len(following) == 3 and following[0] == "let" and following[1] in ("me", "us") \
            and following[2] not in _TERMINATORS
    if cue not in _INABILITY_CUES or not following or following[0] in _STANCE_VERBS or following[0] in _TERMINATORS:
        return False
    index = start
    while index > 0 and words[index - 1] in _INABILITY_ADVERBS:
        index -= 1
    return index > 0 and words[index - 1] in _FIRST_PERSON


def _retractions(text: str, tokens: list[_Token], words: list[str]) -> list[tuple[tuple[int, int], Negation]]:
    """The retractions after some words ("cancel it. actually no, keep it"), with the words before them as scope,
    each with its token range. One that opens the message retracts nothing; its words are read as usual ("never
    mind cancelling it" is a negation)."""
    spans = _phrase_spans(words, _RETRACTIONS)
    found = []
    for a, b in spans:
        before = [t for t in tokens[:a] if t.text not in _TERMINATORS]
        if not before or any(start < a < end for start, end in spans):
            continue  # at the start of the message, or inside a longer retraction ("wait , no" in "no wait , no")
        scope = text[before[0].start:before[-1].end]
        found.append(((a, b), Negation(cue=text[tokens[a].start:tokens[b - 1].end], start=tokens[a].start,
                                       end=tokens[b - 1].end, scope=scope, scope_end=tokens[b - 1].end, retracts=True,
                                       scope_start=before[0].start)))
    return found


def negations(text: str) -> list[Negation]:
    """Every negation in ``text`` with its scope, in order; fixed positive phrases and hedges are left out."""
    tokens = _tokens(text)
    words = [t.text for t in tokens]
    # "don't worry" reassures, but "don't worry about cancelling it" asks for nothing to be done
    pseudo = [(a, b) for a, b in _phrase_spans(words, _PSEUDO) if words[b - 1] != "worry" or words[b:b + 1] != ["about"]]
    retractions = _retractions(text, tokens, words)
    ignored = pseudo + _phrase_spans(words, _HEDGES) + [span for span, _ in retractions]
    cues = [(a, b) for a, b in _cue_positions(words) if not _covered(a, ignored)]
    starts = {a for a, _ in cues}
    found = []
    for a, b in cues:
        scope: list[_Token] = []
        for index in range(b, len(tokens)):
            token = tokens[index]
            if token.text in _TERMINATORS or token.text in _CONJUNCTIONS or index in starts or len(scope) >= MAX_SCOPE:
                break
            scope.append(token)
        found.append(Negation(
            cue=text[tokens[a].start:tokens[b - 1].end],
            start=tokens[a].start,
            end=tokens[b - 1].end,
            scope=text[scope[0].start:scope[-1].end] if scope else "",
            scope_end=scope[-1].end if scope else tokens[b - 1].end,
            question=_asks(words, a, b),
            inability=_unable(words, a, b),
            scope_start=tokens[a].start,
        ))
    return sorted(found + [negation for _, negation in retractions], key=lambda negation: negation.start)


def without_negations(text: str) -> str:
    """``text`` with every negation cue and its scope taken out: "cancel it, I don't need it anymore" → "cancel
    it, I"; "don't cancel order 104302" → "": what the message still asks for. A negative question or an inability
    stays ("can't you cancel it?", "I can't cancel it online" ask for the cancellation)."""
    return without_spans(text, [negation.span for negation in refusals(text)])


def refusals(text: str) -> list[Negation]:
    """The negations in ``text`` that speak against their scope: all but the negative questions and inabilities."""
    return [negation for negation in negations(text) if not negation.asks]


def has_retraction_words(text: str) -> bool:
    """``text`` holds words that take something back ("never mind", "forget it", "jk"), wherever they are."""
    return bool(_phrase_spans([t.text for t in _tokens(text)], _RETRACTIONS))


def is_negated(text: str) -> bool:
    """True when ``text`` contains a negation (not counting "no problem", "not sure" and the like)."""
    return bool(negations(text))


def negates(text: str, words: set[str] | frozenset[str]) -> bool:
    """True when one of ``words`` (lower case) lies in the scope of a negation: "don't cancel it" negates cancel,
    "can't you cancel it?" and "I can't cancel it" do not."""
    return any({t.text for t in _tokens(negation.scope)} & words for negation in refusals(text))


def hesitation(text: str) -> str | None:
    """The first hedge in ``text`` ("maybe", "not sure", "hmm"...), or None when it sounds decided."""
    words = [t.text for t in _tokens(text)]
    spans = _phrase_spans(words, _HEDGES)
    if not spans:
        return None
    start, end = min(spans)
    return " ".join(words[start:end])
