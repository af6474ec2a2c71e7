"""Small text helpers for retrieval: sentences, content words and a light stemmer."""

from __future__ import annotations

import re

#: words that carry no topic in a question: function words, question words, politeness, chat filler,
#: and contractions typed without their apostrophe ("whats", "dont")
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any anybody anyone anything are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each either else ever every few for from further get gets getting got had hadn't has hasn't have
    haven't having he her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its
    itself just know let let's like may me might mine more most must mustn't my myself need needs no nor not now of
    off on once only or other ought our ours ourselves out over own please really same shall shan't she should
    shouldn't so some something such tell than thank thanks that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've this those through to too under until up upon us very want
    wanted wants was wasn't way we we'd we'll we're we've were weren't what what's when where where's whether which
    while who who's whom whose why will with within without won't would wouldn't yes yet you you'd you'll you're
    you've your yours yourself yourselves hi hello hey ok okay thing things much many one ones lot lots anyway
    able possible sure still already even happen happens happened happening come comes coming came go goes going
    went gone put puts make makes made give gives gave take takes took taken use used using run runs running try
    trying look looking find say said mean means kind sort maybe actually exactly
    whats thats theres wheres whos hows im ive youre theyre dont doesnt didnt cant couldnt wont wouldnt isnt
    arent wasnt shouldnt
    """.split()
)

_WORD = re.compile(r"[a-z0-9][a-z0-9'&-]*", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")


def sentences(text: str) -> list[str]:
    """Sentences and list lines of a passage, in order."""
    return [s.strip(" -") for s in _SENTENCE.split(text) if s.strip(" -")]


def words(text: str) -> list[str]:
    return [w.strip("'-&").lower() for w in _WORD.findall(text) if w.strip("'-&")]


def content_words(text: str) -> list[str]:
    """Topic words of ``text``: not stopwords, at least 3 characters or containing a digit."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) >= 3 or any(c.isdigit() for c in w))]


def stem(word: str) -> str:
    """A crude English stem: enough to match "refunds"/"refunded"/"refund" and "shipping"/"ship"."""
    word = word.lower().replace("'s", "")
    for suffix in ("ies", "ing", "ied", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # shipp → ship, stopp → stop
    return word


def same_word(a: str, b: str) -> bool:
    """The same word up to inflection (or a shared 6-letter start: "deliver"/"delivery", "return"/"returnable")."""
    if a == b:
        return True
    sa, sb = stem(a), stem(b)
    return sa == sb or (len(sa) >= 6 and len(sb) >= 6 and sa[:6] == sb[:6])
