"""Find known phrases in text the way people write them: any case, inflected, with small typos.

"do you sell yoga mats" must find the product "Yoga Mat", and "bluetooth speakr" the "Bluetooth
Speaker", while "mat" must never match "map" and "is" never "it". A phrase matches a run of
words when every word matches, tried in this order:

1. exactly (case- and accent-insensitive): confidence 1.0;
2. by stem (Snowball English: "mats"/"mat", "batteries"/"battery"): ``INFLECTED`` confidence;
3. by edit distance, only for words of at least ``min_fuzzy_length`` characters and at most
   one edit per ``chars_per_edit`` characters (Damerau-Levenshtein: a swap of two neighbouring
   letters is one edit): confidence falls with the edits, and a match below ``min_score`` is dropped.

Words with digits are codes or numbers: "ECON201" is another course than "ECON101", never a typo.
A word in ``known_words`` (the words a domain's authors wrote around their entities) is spelled as
meant: it is never read as a typo ("charged" is not "charger"), and on its own it is not an
inflection of a one-word value either ("good morning" names no "mornings" schedule).
A form with symbols that words would lose ("C++", "#1") only ever matches literally, as a whole word.
Matches never overlap: the longest run wins, then the better kind of match, then the earliest.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dialogue.nlu.base import whole_word_pattern

WORD = re.compile(r"\w+(?:['’]\w+)*")
#: characters a form may hold and still be matched word by word (others make it literal-only)
PLAIN = re.compile(r"^[\w\s\-'’.,&/]+$")
INFLECTED = 0.95


@dataclass(frozen=True)
class PhraseMatch:
    start: int
    end: int
    value: str  # the canonical value the matched form stands for
    score: float  # 1.0 exact, INFLECTED by stem, lower for typos


def fold(word: str) -> str:
    """Lower case without accents: "Café" → "cafe"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


@functools.lru_cache(maxsize=1)
def _stemmer() -> object:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))  # type: ignore[attr-defined]


class PhraseMatcher:
    """Every occurrence of any of ``forms`` (surface form → canonical value) in a text."""

    def __init__(self, forms: Mapping[str, str], *, inflections: bool = True, fuzzy: bool = True,
                 min_fuzzy_length: int = 6, chars_per_edit: int = 6, min_score: float = 0.8,
                 known_words: Iterable[str] = ()) -> None:
        self.inflections = inflections
        self.known_words = frozenset(fold(w) for w in known_words)
        self.fuzzy = fuzzy
        self.min_fuzzy_length = min_fuzzy_length
        self.chars_per_edit = chars_per_edit
        self.min_score = min_score
        #: first folded word → [(folded words, canonical value)], longest phrases first
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self.by_stem: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        literal: dict[str, str] = {}
        for surface, value in forms.items():
            words = tuple(fold(w) for w in WORD.findall(surface))
            if not PLAIN.match(surface) or not words:
                literal[surface.lower()] = value
                continue
            self.phrases.setdefault(words[0], []).append((words, value))
            if inflections:
                self.by_stem.setdefault(stem(words[0]), []).append((words, value))
        self.literal = literal
        self.literal_pattern = whole_word_pattern(list(literal))
        self.vocabulary = sorted({w for group in self.phrases.values() for words, _ in group for w in words})
        for group in (*self.phrases.values(), *self.by_stem.values()):
            group.sort(key=lambda item: -len(item[0]))

    def find(self, text: str) -> list[PhraseMatch]:
        tokens = [(m.start(), m.end(), fold(m.group(0))) for m in WORD.finditer(text)]
        candidates: list[tuple[int, float, int, PhraseMatch]] = []  # (-length, -score, position, match)
        for i, (_, _, word) in enumerate(tokens):
            for words, value in self._starting_with(word):
                score = self._match_run(words, [t[2] for t in tokens[i : i + len(words)]])
                if score is not None and score >= self.min_score:
                    match = PhraseMatch(tokens[i][0], tokens[i + len(words) - 1][1], value, score)
                    candidates.append((-len(words), -score, i, match))
        if self.literal_pattern is not None:
            for m in self.literal_pattern.finditer(text):
                candidates.append((-len(WORD.findall(m.group(0))) or -1, -1.0, m.start(),
                                   PhraseMatch(m.start(), m.end(), self.literal[m.group(0).lower()], 1.0)))
        chosen: list[PhraseMatch] = []
        for *_, match in sorted(candidates, key=lambda c: c[:3]):
            if all(match.end <= other.start or match.start >= other.end for other in chosen):
                chosen.append(match)
        return sorted(chosen, key=lambda m: m.start)

    def _starting_with(self, word: str) -> list[tuple[tuple[str, ...], str]]:
        """Phrases whose first word could be ``word`` (exact, same stem, or a near spelling)."""
        found = list(self.phrases.get(word, ()))
        if self.inflections:
            found += self.by_stem.get(stem(word), [])
        if self._may_be_typo(word):
            for near in self._near(word):
                found += self.phrases.get(near, [])
        return list(dict.fromkeys(found))  # without repeats, in order

    def _may_be_typo(self, word: str) -> bool:
        return (self.fuzzy and len(word) >= self.min_fuzzy_length and word not in self.known_words
                and not any(c.isdigit() for c in word))

    def _near(self, word: str) -> list[str]:
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        limit = self._edits_allowed(word)
        if limit == 0:
            return []
        return [w for w, _, _ in process.extract(word, self.vocabulary, scorer=DamerauLevenshtein.distance,
                                                 score_cutoff=limit, limit=None) if w != word]

    def _edits_allowed(self, word: str) -> int:
        return len(word) // self.chars_per_edit if len(word) >= self.min_fuzzy_length else 0

    def _match_run(self, phrase: tuple[str, ...], words: list[str]) -> float | None:
        """The phrase's score against the run of message words (None: no match)."""
        if len(words) < len(phrase):
            return None
        score = 1.0
        for expected, typed in zip(phrase, words):
            if expected == typed:
                continue
            if self.inflections and stem(expected) == stem(typed) and not (len(phrase) == 1 and typed in self.known_words):
                score = min(score, INFLECTED)
                continue
            word_score = self._typo_score(expected, typed)
            if word_score is None:
                return None
            score = min(score, word_score)
        return score

    def _typo_score(self, expected: str, typed: str) -> float | None:
        if not self._may_be_typo(typed) or len(expected) < self.min_fuzzy_length or any(c.isdigit() for c in expected):
            return None
        from rapidfuzz.distance import DamerauLevenshtein

        edits = DamerauLevenshtein.distance(expected, typed)
        if edits > self._edits_allowed(expected):
            return None
        return 1.0 - edits / max(len(expected), len(typed))

