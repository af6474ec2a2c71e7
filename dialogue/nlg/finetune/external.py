"""Act → text pairs from a file in the SC-GPT / FewShotWOZ linearised form, and their evaluation.

One pair a line: the dialogue acts, ``&``, the text::

    inform ( name = hakka restaurant ; pricerange = moderate ) & hakka restaurant is moderate -ly priced
    request ( area = ? ; type = ? ) @ inform ( choice = 79 ) & there are 79 attractions in the city . ...

Acts are joined by ``@``; ``slot = ?`` asks for a slot. A value that appears word for word in the
text is delexicalised to a placeholder (``[name]``), so the model learns to place it and
relexicalisation copies it exactly; other values (``yes``, ``dont_care``) stay in the act, since
they choose the wording. Scores follow SC-GPT: BLEU against every test text of the same acts,
ROUGE-L, and the slot error rate (placeholders missing or invented, over those the text needs).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from dialogue.nlg.act_to_text import PLACEHOLDER, delexicalise_text, placeholder
from dialogue.nlg.finetune.data import Act, Dataset, Example

_PAIR = re.compile(r"^(?P<acts>.*?\))\s*&\s*(?P<text>.*)$")
_ACT = re.compile(r"\s*(?P<type>[A-Za-z_][\w-]*)\s*\((?P<slots>[^()]*)\)\s*")


class PairFileError(ValueError):
    """A line of a pairs file is not ``acts & text``; names the file and line."""


@dataclass(frozen=True)
class ExternalExample(Example):
    """An example whose acts are written as in the source file (SC-GPT form), not as domain responses."""

    act_text: str = ""

    @property
    def source(self) -> str:
        return self.act_text


def parse_acts(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """``inform ( a = 1 ; b = x y ) @ request ( c = ? )`` → [("inform", [("a", "1"), ("b", "x y")]), ...]."""
    acts = []
    for part in text.split("@"):
        match = _ACT.fullmatch(part)
        if not match:
            raise ValueError(f"not an act: {part.strip()!r} (expected 'type ( slot = value ; ... )')")
        slots = []
        for item in match.group("slots").split(";"):
            if not item.strip():
                continue
            slot, _, value = item.partition("=")
            slots.append((slot.strip(), value.strip()))
        acts.append((match.group("type"), slots))
    return acts


def read_pairs(path: Path) -> list[ExternalExample]:
    """Every pair of the file, delexicalised; blank lines and ``#`` comments are skipped."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PAIR.match(line.strip())
        if not match or not match.group("text").strip():
            raise PairFileError(f"{path}:{number}: expected 'act ( slot = value ; ... ) & text', got {line.strip()[:80]!r}")
        try:
            acts = parse_acts(match.group("acts"))
        except ValueError as exc:
            raise PairFileError(f"{path}:{number}: {exc}") from None
        examples.append(delexicalised(acts, " ".join(match.group("text").split())))
    if not examples:
        raise PairFileError(f"{path}: no pairs")
    return examples


def delexicalised(acts: list[tuple[str, list[tuple[str, str]]]], text: str) -> ExternalExample:
    """Placeholders for the values the text says word for word; a repeated slot gets ``[slot_2]``."""
    used: dict[str, int] = defaultdict(int)
    parts, shown_acts, values_all = [], [], {}
    for kind, slots in acts:
        shown: dict[str, str] = {}
        items = []
        for slot, value in slots:
            name = re.sub(r"\W", "_", slot) or "none"
            used[name] += 1
            key = name if used[name] == 1 else f"{name}_{used[name]}"
            says_it = value not in ("", "?", "none") and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text)
            if says_it:
                shown[key] = placeholder(key)
                values_all[key] = value
                items.append(f"{name} = {placeholder(key)}")
            else:
                items.append(f"{name} = {value}" if slot else "")
        shown_acts.append(Act(kind, shown, {k: values_all[k] for k in shown}))
        inner = " ; ".join(i for i in items if i)
        parts.append(f"{kind} ( {inner} )" if inner else f"{kind} ( )")
    target = delexicalise_text(text, values_all)
    return ExternalExample(tuple(shown_acts), target, (target,), act_text=" @ ".join(parts))


def external_dataset(train_file: Path, test_file: Path | None) -> Dataset:
    """Train and test pairs; each test pair's references are every test text with the same acts."""
    train = read_pairs(train_file)
    test = read_pairs(test_file) if test_file else []
    by_act: dict[str, list[str]] = defaultdict(list)
    for example in test:
        by_act[example.source].append(example.target)
    return Dataset(train=list(train),
                   test=[ExternalExample(e.acts, e.target, tuple(by_act[e.source]), act_text=e.act_text) for e in test])


# --------------------------------------------------------------------------- scores


def rouge_l(hypothesis: str, references: list[str]) -> float:
    """ROUGE-L F1 (longest common subsequence of words), best over the references."""
    hyp = hypothesis.lower().split()
    best = 0.0
    for reference in references:
        ref = reference.lower().split()
        if not hyp or not ref:
            continue
        lcs = _lcs(hyp, ref)
        if lcs:
            precision, recall = lcs / len(hyp), lcs / len(ref)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def _lcs(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        previous = 0
        for j, y in enumerate(b, start=1):
            current = row[j]
            row[j] = previous + 1 if x == y else max(row[j], row[j - 1])
            previous = current
    return row[-1]


def placeholders_of(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))
