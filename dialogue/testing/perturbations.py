"""Ways real users write the same thing differently (CheckList-style perturbations of one message).

Each perturbation returns the changed text, or None where it does not apply (no name to swap,
nothing to contract). Three kinds, scored differently by ``dialogue.testing.robustness``:

* ``invariance``: the meaning is unchanged (typos, casing, punctuation, contractions, fillers,
  politeness, plurals) and so should the intent be;
* ``fairness``: only a person's name, a place or a gendered word changes; any change of intent is
  a bias, reported as a flip rate;
* ``negation``: the request is negated; keeping the same intent is how "don't cancel it" becomes
  "cancel", so the report counts how often the intent stays the same.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Doc

Apply = Callable[[str, random.Random], "str | None"]


@dataclass(frozen=True)
class Perturbation:
    name: str
    kind: str  # invariance | fairness | negation
    apply: Apply


WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
KEYBOARD_NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv", "h": "gyujnb",
    "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol",
    "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc",
    "y": "tghu", "z": "asx",
}


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)  # keep the first letter, as people mostly do
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    near = KEYBOARD_NEIGHBOURS.get(word[i].lower())
    return word[:i] + (rng.choice(near) if near else word[i]) + word[i + 1:]


def typos(count: int) -> Apply:
    def apply(text: str, rng: random.Random) -> str | None:
        words = [m for m in WORD.finditer(text) if len(m.group(0)) >= 4 and "'" not in m.group(0)]
        if not words:
            return None
        chosen = sorted(rng.sample(words, min(count, len(words))), key=lambda m: -m.start())
        for m in chosen:  # right to left, so earlier offsets stay valid
            text = text[: m.start()] + _typo(m.group(0), rng) + text[m.end():]
        return text

    return apply


def lower_case(text: str, _: random.Random) -> str | None:
    return text.lower() if text.lower() != text else None


def upper_case(text: str, _: random.Random) -> str | None:
    return text.upper() if text.upper() != text else None


def strip_punctuation(text: str, _: random.Random) -> str | None:
    stripped = re.sub(r"\s+", " ", re.sub(r"[^\w\s'-]", "", text)).strip()
    return stripped if stripped != text and stripped else None


def add_punctuation(text: str, rng: random.Random) -> str | None:
    return text.rstrip(".!? ") + rng.choice(("?", "!", "!!", "...", " ?"))


CONTRACTIONS = {
    "do not": "don't", "does not": "doesn't", "did not": "didn't", "can not": "can't", "cannot": "can't",
    "will not": "won't", "would not": "wouldn't", "is not": "isn't", "are not": "aren't", "was not": "wasn't",
    "i am": "i'm", "i have": "i've", "i would": "i'd", "i will": "i'll", "you are": "you're", "it is": "it's",
    "what is": "what's", "where is": "where's", "that is": "that's", "there is": "there's", "have not": "haven't",
    "let us": "let's", "who is": "who's", "how is": "how's", "we are": "we're", "they are": "they're",
}
_EXPAND = {short: long for long, short in CONTRACTIONS.items() if long != "can not"}


def _swap_phrases(text: str, table: dict[str, str]) -> str | None:
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)

    def replace(m: re.Match[str]) -> str:
        new = table[m.group(0).lower()]
        return new[0].upper() + new[1:] if m.group(0)[0].isupper() else new

    changed = pattern.sub(replace, text)
    return changed if changed != text else None


def contractions(text: str, _: random.Random) -> str | None:
    """Contract what is written out, or else write out what is contracted."""
    return _swap_phrases(text, CONTRACTIONS) or _swap_phrases(text.replace("’", "'"), _EXPAND)


FILLERS = ("um, ", "so ", "well, ", "ok so ", "hmm ", "right, ")
POLITE_BEFORE = ("please ", "hi, ", "hello, ", "excuse me, ", "could you help me? ", "sorry to bother you, ")
POLITE_AFTER = (" please", ", thanks", " thank you", " thx", ", cheers", " if you can")


def filler(text: str, rng: random.Random) -> str | None:
    return rng.choice(FILLERS) + text[:1].lower() + text[1:]


def politeness(text: str, rng: random.Random) -> str | None:
    words = set(WORD.findall(text.lower()))
    before = [p for p in POLITE_BEFORE if not words & set(WORD.findall(p))]
    after = [p for p in POLITE_AFTER if not words & set(WORD.findall(p))]
    if before and (rng.random() < 0.5 or not after):
        return rng.choice(before) + text[:1].lower() + text[1:]
    return text.rstrip(".!? ") + rng.choice(after) if after else None


_INVARIANT_NOUNS = {"news", "data", "information", "advice", "money", "equipment", "feedback", "help", "luggage",
                    "furniture", "software", "homework", "research", "stuff", "time", "today", "tomorrow", "tonight"}


def _plural(noun: str) -> str:
    lowered = noun.lower()
    if lowered.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if lowered.endswith("y") and len(noun) > 2 and lowered[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def plurals(text: str, rng: random.Random) -> str | None:
    """One singular common noun made plural ("yoga mat" → "yoga mats"), found by spaCy's tagger."""
    nlp = _spacy()
    if nlp is None:
        return None
    nouns = [t for t in nlp(text) if t.tag_ == "NN" and t.is_alpha and len(t) > 2 and t.lower_ not in _INVARIANT_NOUNS
             and t.dep_ not in ("compound", "nsubj", "nsubjpass")]  # "desk lamps", not "desks lamp"; no verb agreement
    if not nouns:
        return None
    token = rng.choice(nouns)
    return text[: token.idx] + _plural(token.text) + text[token.idx + len(token.text):]


NAMES = {  # first names across genders and origins; any swap should change nothing
    "female": ["Maria", "Aisha", "Mei", "Priya", "Olga", "Fatima", "Emily", "Chiamaka", "Sofia", "Yuki"],
    "male": ["John", "Mohammed", "Wei", "Rahul", "Ivan", "Kwame", "James", "Diego", "Hiroshi", "Ahmed"],
}
_ALL_NAMES = [n for group in NAMES.values() for n in group]
PLACES = ["London", "Lagos", "Mumbai", "Shanghai", "Mexico City", "Cairo", "Berlin", "Dhaka", "Toronto", "Manila"]
GENDERED = {
    "he": "she", "she": "he", "him": "her", "his": "her", "hers": "his", "himself": "herself", "herself": "himself",
    "man": "woman", "woman": "man", "men": "women", "women": "men", "boy": "girl", "girl": "boy",
    "husband": "wife", "wife": "husband", "son": "daughter", "daughter": "son", "father": "mother",
    "mother": "father", "dad": "mom", "mom": "dad", "mum": "dad", "brother": "sister", "sister": "brother",
    "boyfriend": "girlfriend", "girlfriend": "boyfriend", "mr": "ms", "ms": "mr", "mrs": "mr", "sir": "madam",
    "madam": "sir", "uncle": "aunt", "aunt": "uncle", "grandfather": "grandmother", "grandmother": "grandfather",
    "king": "queen", "queen": "king", "gentleman": "lady", "lady": "gentleman",
}


def _entities_of(text: str, label: str) -> list[tuple[int, int]]:
    nlp = _spacy()
    spans = [(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ == label] if nlp is not None else []
    return spans


def person_names(text: str, rng: random.Random) -> str | None:
    """A person's first name replaced by one of another gender or origin."""
    known = [(m.start(), m.end()) for m in re.finditer(r"\b(" + "|".join(_ALL_NAMES) + r")\b", text)]
    spans = known or [(s, s + len(text[s:e].split()[0])) for s, e in _entities_of(text, "PERSON")]
    if not spans:
        return None
    start, end = rng.choice(spans)
    current = text[start:end]
    group = next((g for g, names in NAMES.items() if current in names), None)
    pool = [n for g, names in NAMES.items() if g != group for n in names] if group else _ALL_NAMES
    return text[:start] + rng.choice([n for n in pool if n != current]) + text[end:]


def places(text: str, rng: random.Random) -> str | None:
    spans = [(m.start(), m.end()) for m in re.finditer(r"\b(" + "|".join(PLACES) + r")\b", text)]
    spans = spans or _entities_of(text, "GPE")
    if not spans:
        return None
    start, end = rng.choice(spans)
    return text[:start] + rng.choice([p for p in PLACES if p != text[start:end]]) + text[end:]


def gendered_words(text: str, _: random.Random) -> str | None:
    return _swap_phrases(text, GENDERED)


_NEGATABLE = re.compile(
    r"\b(i|we)\s+(want|need|would like|'d like|wanna|have to|must|will|am going to|'m going to)\b", re.IGNORECASE)
_NEGATE = {"want": "don't want", "need": "don't need", "would like": "would not like", "'d like": "'d not like",
           "wanna": "don't wanna", "have to": "don't have to", "must": "must not", "will": "won't",
           "am going to": "am not going to", "'m going to": "'m not going to"}


def negation(text: str, _: random.Random) -> str | None:
    """The request negated: "I want to cancel" → "I don't want to cancel"; an imperative gets "don't"."""
    m = _NEGATABLE.search(text)
    if m:
        verb = m.group(2).lower()
        return text[: m.start(2)] + _NEGATE[verb] + text[m.end(2):]
    first = WORD.match(text.lstrip())
    nlp = _spacy()
    if first is None or nlp is None:
        return None
    doc: Doc = nlp(text)
    head = next((t for t in doc if not t.is_punct and t.lower_ not in ("please", "pls", "kindly")), None)
    if head is None or head.tag_ != "VB":  # a bare imperative: "cancel my order"
        return None
    return text[: head.idx] + ("Don't " if head.idx == 0 else "don't ") + head.text.lower() + text[head.idx + len(head.text):]


def _spacy() -> Any:
    """spaCy's small English pipeline for part-of-speech tags and names (None without the spacy extra)."""
    try:
        from dialogue.nlu.extractors.spacy_ner import load_spacy

        return load_spacy("en_core_web_sm", ("lemmatizer",))
    except (ImportError, RuntimeError):
        return None


PERTURBATIONS: tuple[Perturbation, ...] = (
    Perturbation("one typo", "invariance", typos(1)),
    Perturbation("two typos", "invariance", typos(2)),
    Perturbation("lower case", "invariance", lower_case),
    Perturbation("upper case", "invariance", upper_case),
    Perturbation("no punctuation", "invariance", strip_punctuation),
    Perturbation("added punctuation", "invariance", add_punctuation),
    Perturbation("contractions", "invariance", contractions),
    Perturbation("filler", "invariance", filler),
    Perturbation("politeness", "invariance", politeness),
    Perturbation("plural", "invariance", plurals),
    Perturbation("person name swapped", "fairness", person_names),
    Perturbation("place swapped", "fairness", places),
    Perturbation("gendered word swapped", "fairness", gendered_words),
    Perturbation("negation", "negation", negation),
)
