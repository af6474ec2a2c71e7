"""Typos fixed against the domain's own words before a classifier reads a message.

People type "canecl my appointmnet"; an author writes "cancel my appointment". A sentence
encoder moves a lot when a word is misspelt (its sub-word pieces change), so a message with one
typo is often refused as out of scope or read as another intent. The corrector maps a word that is
neither in the training examples nor a real English word to the one training word it is a single
edit away from (two for long words): deletion, insertion, substitution or transposition.

It never touches a real word: "deactivate" must not become "reactivate" because only the latter is
in the examples, so real words come from an English dictionary (``pyspellchecker``'s 160,000
words) and the encoder's vocabulary. Without that dictionary nothing is corrected. A correction
keeps the first letter, as people mostly do, so a prefix the dictionary lacks is never dropped
("unregister" is not "register"). It also leaves short words (under 4 letters), words with digits,
and a word with several equally close candidates ("bake": "take" or "make"?). The classifier still
sees the original text everywhere else (entities, logs, replies).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

log = logging.getLogger("dialogue.nlu")

WORD = re.compile(r"[A-Za-z]+")
DIGIT = re.compile(r"\d")
#: words shorter than this are left alone: too many real words are one edit apart
MIN_LENGTH = 4
#: from this length a word may be two edits away from its correction
TWO_EDITS_FROM = 8


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each word (lower case) occurs in ``texts``: the words a corrector corrects towards."""
    return Counter(w.lower() for text in texts for w in WORD.findall(text))


def deletions(word: str, depth: int = 1) -> set[str]:
    """``word`` and every string up to ``depth`` deletions away. Two words within ``depth`` edits of each
    other (insertions, deletions, substitutions, transpositions) always share one of these."""
    found = {word}
    for _ in range(depth):
        found |= {w[:i] + w[i + 1:] for w in found for i in range(len(w))}
    return found


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


class SpellingCorrector:
    """Corrects unknown words to training words; ``known`` are real words that are never corrected
    (a lower-case frozenset is kept as it is, not copied: the dictionary has 160,000 words)."""

    def __init__(self, counts: Counter[str], known: Iterable[str] = ()) -> None:
        self.counts = counts
        self.known = known if isinstance(known, frozenset) else frozenset(w.lower() for w in known)
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for word in counts:  # a two-edit correction is only looked for from TWO_EDITS_FROM letters
            for key in deletions(word, 2 if len(word) >= TWO_EDITS_FROM - 2 else 1):
                self._by_deletion[key].add(word)

    @classmethod
    def fit(cls, texts: Iterable[str], known: Iterable[str] = ()) -> SpellingCorrector:
        return cls(word_counts(texts), known)

    def readable(self, text: str) -> bool | None:
        """Whether ``text`` holds any word the bot knows: "asdfgh zxcvb" and "🙂🙂" do not, so they are
        unclear rather than a request the bot does not handle, whatever a classifier makes of them.
        None when there is nothing to judge: an empty message, or digits and punctuation alone
        ("104233"), which the entity extractors read."""
        words = WORD.findall(text)
        if not words:
            return None if not text.strip() or DIGIT.search(text) else False
        return any(w.lower() in self.counts or w.lower() in self.known for w in words)

    def correct(self, text: str) -> str:
        return WORD.sub(lambda match: self.correct_word(match.group(0)), text)

    def correct_word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_LENGTH or lower in self.counts or lower in self.known:
            return word
        allowed = 2 if len(lower) >= TWO_EDITS_FROM else 1
        found = {c for key in deletions(lower, allowed) for c in self._by_deletion.get(key, ())}
        # the first letter stays, as people mostly keep it: "unregister" is not "register", "deactivate" not "reactivate"
        distances = {c: edit_distance(lower, c) for c in found if c[0] == lower[0]}
        best = min((d for d in distances.values() if d <= allowed), default=None)
        closest = [c for c, d in distances.items() if d == best]
        return closest[0] if len(closest) == 1 else word  # nothing close, or no single best guess


def corrector(counts: Counter[str], also_known: frozenset[str] = frozenset()) -> SpellingCorrector | None:
    """A corrector over the example words ``counts``, or None without the English dictionary: a real
    word missing from the examples would otherwise be "fixed" into one of them."""
    known = _real_words(also_known)
    return SpellingCorrector(counts, known) if known else None


@functools.lru_cache(maxsize=4)
def _real_words(also_known: frozenset[str]) -> frozenset[str]:
    """The dictionary with an encoder's words, built once per vocabulary, not once per model."""
    dictionary = english_words()
    return dictionary | also_known if dictionary else frozenset()


@functools.cache
def english_words() -> frozenset[str]:
    """A large English dictionary (pyspellchecker's word list, lower case), loaded once; empty when not installed."""
    try:
        from spellchecker import SpellChecker
    except ImportError:
        log.warning("pyspellchecker is not installed: typos are not corrected (pip install 'dialogue[bert]')")
        return frozenset()
    return frozenset(w.lower() for w in SpellChecker().word_frequency.dictionary)


def encoder_words(tokenizer: object) -> frozenset[str]:
    """Whole words in a WordPiece vocabulary (about 22,000 for BERT's, lower case): real words to leave alone."""
    get_vocab = getattr(tokenizer, "get_vocab", None)
    if get_vocab is None:
        return frozenset()
    return frozenset(w.lower() for w in get_vocab() if w.isalpha() and not w.startswith("##"))
