"""JointBERT folder format: ``seq.in`` (space-separated tokens), ``seq.out`` (BIO tags), ``label``.

Tokens are joined with single spaces; each B-/I- run becomes a character span of that text.
"""

from __future__ import annotations

from pathlib import Path

from dialogue.domain.examples import EntitySpan, TrainingData, TrainingExample
from dialogue.nlu.readers.errors import ReaderError


def bio_to_spans(tokens: list[str], tags: list[str]) -> tuple[str, list[EntitySpan]]:
    """Text (tokens joined by spaces) and the char spans of its B-/I- runs; a stray I- starts a run."""
    spans: list[EntitySpan] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    for token in tokens:
        offsets.append((position, position + len(token)))
        position += len(token) + 1
    text = " ".join(tokens)
    current: tuple[str, int, int] | None = None  # (type, start, end)
    for (start, end), tag in zip(offsets, tags):
        prefix, _, etype = tag.partition("-")
        if tag == "O" or not etype or prefix not in ("B", "I"):
            if current:
                spans.append(EntitySpan(current[1], current[2], current[0], text[current[1] : current[2]]))
            current = None
            continue
        if prefix == "I" and current and current[0] == etype:
            current = (etype, current[1], end)
            continue
        if current:
            spans.append(EntitySpan(current[1], current[2], current[0], text[current[1] : current[2]]))
        current = (etype, start, end)
    if current:
        spans.append(EntitySpan(current[1], current[2], current[0], text[current[1] : current[2]]))
    return text, spans


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise ReaderError(path, None, "missing (a JointBERT folder needs seq.in, seq.out and label)")
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_jointbert(folder: Path) -> TrainingData:
    folder = Path(folder)
    if not folder.is_dir():
        raise ReaderError(folder, None, "JointBERT data must be a folder with seq.in, seq.out and label")
    seq_in, seq_out, labels = (_lines(folder / name) for name in ("seq.in", "seq.out", "label"))
    for name, lines in (("seq.out", seq_out), ("label", labels)):
        if len(lines) != len(seq_in):
            raise ReaderError(folder / name, min(len(lines), len(seq_in)) + 1,
                              f"has {len(lines)} lines but seq.in has {len(seq_in)}")
    examples = []
    for number, (raw, raw_tags, label) in enumerate(zip(seq_in, seq_out, labels), start=1):
        tokens, tags, intent = raw.split(), raw_tags.split(), label.strip()
        if not tokens:
            raise ReaderError(folder / "seq.in", number, "empty utterance")
        if len(tokens) != len(tags):
            raise ReaderError(folder / "seq.out", number, f"{len(tags)} tags for {len(tokens)} tokens in seq.in")
        if not intent:
            raise ReaderError(folder / "label", number, "empty intent label")
        bad = next((t for t in tags if t != "O" and not (t[:2] in ("B-", "I-") and len(t) > 2)), None)
        if bad is not None:
            raise ReaderError(folder / "seq.out", number, f"tag {bad!r} is not O, B-type or I-type")
        text, spans = bio_to_spans(tokens, tags)
        examples.append(TrainingExample(text=text, intent=intent, entities=tuple(spans)))
    if not examples:
        raise ReaderError(folder / "seq.in", None, "no examples")
    return TrainingData(examples=tuple(examples))
