"""Contractions written out before a classifier reads a text: "i'm", "im" and "i am" become one thing.

An author writes "I don't want it anymore", a user types "i do not want it anymore" or "i dont want
it": to a bag of words and character n-grams these share little ("don", "t" against "do", "not"), so
the reading flips on a contraction (the robustness audit measured up to 10 % of messages misread that
way). The intent classifiers write every contraction out, in the training examples and in each
message alike, when their ``expand_contractions`` option is on (the default). Only the text the
classifier reads changes; the parse keeps what the user wrote.

Ambiguous forms take their commonest reading ("'d" is "would", "it's" is "it is"); an "'s" is
written out only after a pronoun or question word, since "ada's course" is a possessive. Without an
apostrophe only forms that are no other English word are read as contractions ("dont", "im", "whats";
never "ill", "id", "were" or "lets").
"""

from __future__ import annotations

import re

#: negations whose stem changes when written out
_IRREGULAR_NOT = {"can't": "can not", "cant": "can not", "won't": "will not", "wont": "will not",
                  "shan't": "shall not", "ain't": "is not", "aint": "is not"}
#: contractions people type without the apostrophe, where the bare form is no other word
_NO_APOSTROPHE = {
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not", "arent": "are not",
    "wasnt": "was not", "werent": "were not", "couldnt": "could not", "wouldnt": "would not",
    "shouldnt": "should not", "havent": "have not", "hasnt": "has not", "hadnt": "had not",
    "im": "i am", "ive": "i have", "youre": "you are", "theyre": "they are", "whats": "what is",
    "thats": "that is", "theres": "there is", "wheres": "where is", "hows": "how is",
}
#: words after which "'s" is "is" ("it's", "what's"), not a possessive
_S_IS = {"it", "that", "what", "where", "who", "how", "there", "here", "he", "she", "when", "why", "this"}
_SUFFIXES = {"m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _written_out(word: str) -> str | None:
    lower = word.lower()
    if lower in _IRREGULAR_NOT:
        return _IRREGULAR_NOT[lower]
    if lower in _NO_APOSTROPHE:
        return _NO_APOSTROPHE[lower]
    if "'" not in lower:
        return None
    stem, suffix = lower.split("'", 1)
    if suffix == "t" and stem.endswith("n") and len(stem) > 1:
        return f"{stem[:-1]} not"
    if suffix in _SUFFIXES and stem:
        return f"{stem} {_SUFFIXES[suffix]}"
    if suffix == "s" and stem == "let":
        return "let us"
    if suffix == "s" and stem in _S_IS:
        return f"{stem} is"
    return None


def expand_contractions(text: str) -> str:
    """``text`` with every contraction written out ("I'm sure it's fine, don't worry" → "i am sure it is fine,
    do not worry"); everything else is left as it was."""
    text = text.replace("’", "'").replace("‘", "'")
    return _TOKEN.sub(lambda m: _written_out(m.group(0)) or m.group(0), text)
