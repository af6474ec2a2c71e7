"""CSV (or TSV) with a ``text`` column and a ``label`` (or ``intent``) column; inline [x](type) entities allowed."""

from __future__ import annotations

import csv
from pathlib import Path

from dialogue.domain.examples import AnnotationError, TrainingData, parse_annotated
from dialogue.nlu.readers.errors import ReaderError

LABEL_COLUMNS = ("label", "intent")


def read_csv(path: Path) -> TrainingData:
    path = Path(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    examples = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        if "text" not in columns:
            raise ReaderError(path, 1, f"header needs a 'text' column (found: {', '.join(columns) or 'nothing'})")
        label_column = next((c for c in LABEL_COLUMNS if c in columns), None)
        if label_column is None:
            raise ReaderError(path, 1, f"header needs a 'label' or 'intent' column (found: {', '.join(columns)})")
        reader.fieldnames = columns
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise ReaderError(path, line, f"more fields than the {len(columns)} header columns")
                text, label = (row.get("text") or "").strip(), (row.get(label_column) or "").strip()
                if not text and not label:
                    continue
                if not text:
                    raise ReaderError(path, line, "empty text")
                if not label:
                    raise ReaderError(path, line, f"empty {label_column}")
                try:
                    examples.append(parse_annotated(text, label))
                except AnnotationError as exc:
                    raise ReaderError(path, line, str(exc)) from exc
        except csv.Error as exc:
            raise ReaderError(path, reader.line_num, f"malformed CSV: {exc}") from exc
    if not examples:
        raise ReaderError(path, None, "no examples")
    return TrainingData(examples=tuple(examples))
