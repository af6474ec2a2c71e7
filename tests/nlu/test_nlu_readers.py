from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.nlu.readers import ReaderError, detect_format, read_training_data
from dialogue.nlu.readers.jointbert import bio_to_spans
from nlu_helpers import write_domain


def write_jointbert(folder: Path, seq_in: str, seq_out: str, label: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seq.in").write_text(seq_in, encoding="utf-8")
    (folder / "seq.out").write_text(seq_out, encoding="utf-8")
    (folder / "label").write_text(label, encoding="utf-8")
    return folder


def test_bio_to_char_spans() -> None:
    text, spans = bio_to_spans(["play", "the", "rolling", "stones", "now"], ["O", "O", "B-artist", "I-artist", "B-time"])
    assert text == "play the rolling stones now"
    assert [(s.type, text[s.start : s.end]) for s in spans] == [("artist", "rolling stones"), ("time", "now")]
    _, stray = bio_to_spans(["a", "b"], ["I-x", "I-y"])  # stray I- tags start spans
    assert [s.type for s in stray] == ["x", "y"]


def test_jointbert_reader(tmp_path: Path) -> None:
    folder = write_jointbert(tmp_path / "jb", "add song to my jazz list \nwhat is the weather\n",
                             "O B-song O O B-playlist I-playlist \nO O O O\n", "AddToPlaylist\nGetWeather\n")
    assert detect_format(folder) == "jointbert"
    data = read_training_data(folder)
    assert [e.intent for e in data.examples] == ["AddToPlaylist", "GetWeather"]
    first = data.examples[0]
    assert [first.text[s.start : s.end] for s in first.entities] == ["song", "jazz list"]


def test_jointbert_malformed_names_file_and_line(tmp_path: Path) -> None:
    folder = write_jointbert(tmp_path / "bad", "a b\nc d e\n", "O O\nO O\n", "x\ny\n")
    with pytest.raises(ReaderError, match=r"seq\.out:2: 2 tags for 3 tokens") as info:
        read_training_data(folder, "jointbert")
    assert info.value.line == 2
    short = write_jointbert(tmp_path / "short", "a\nb\n", "O\nO\n", "x\n")
    with pytest.raises(ReaderError, match=r"label:2: has 1 lines but seq.in has 2"):
        read_training_data(short)
    badtag = write_jointbert(tmp_path / "tag", "a b\n", "O X-y\n", "x\n")
    with pytest.raises(ReaderError, match=r"seq\.out:1: tag 'X-y'"):
        read_training_data(badtag)


def test_csv_reader_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "d.csv"
    good.write_text('text,label\nhello,greet\n"fly to [Paris](city), today",book\n', encoding="utf-8")
    data = read_training_data(good)
    assert data.examples[1].text == "fly to Paris, today" and data.examples[1].entities[0].type == "city"
    no_label = tmp_path / "n.csv"
    no_label.write_text("text,foo\nhi,x\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"n\.csv:1: header needs a 'label'"):
        read_training_data(no_label)
    empty = tmp_path / "e.csv"
    empty.write_text("text,label\nhi,greet\n,greet\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"e\.csv:3: empty text"):
        read_training_data(empty)


RASA = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hey
    - hello [Anna](name)
- synonym: New York
  examples: |
    - NYC
- regex: zip
  examples: |
    - \\d{5}
- intent: book
  examples: |
    - fly to [NYC]{"entity": "city", "value": "New York"}
"""


def test_rasa_reader(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(RASA, encoding="utf-8")
    assert detect_format(path) == "rasa"
    data = read_training_data(path)
    assert [(e.text, e.intent) for e in data.examples] == [("hey", "greet"), ("hello Anna", "greet"), ("fly to NYC", "book")]
    assert data.examples[2].entities[0].value == "New York"
    assert data.synonyms == {"nyc": "New York"}


def test_rasa_malformed_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("nlu:\n- intent: greet\n  examples: |\n    - hey\n    hello\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"bad\.yml:5: example line 'hello' must start with '- '"):
        read_training_data(path)
    broken = tmp_path / "broken.yml"
    broken.write_text("nlu:\n- intent: greet\n  examples: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"broken\.yml:\d+: invalid YAML"):
        read_training_data(broken, "rasa")
    annotation = tmp_path / "ann.yml"
    annotation.write_text("nlu:\n- intent: greet\n  examples: |\n    - hi [there\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"ann\.yml:4: unbalanced"):
        read_training_data(annotation)


def test_domain_folder_and_single_yaml(tmp_path: Path) -> None:
    folder = write_domain(tmp_path / "dom")
    data = read_training_data(folder)
    assert len(data.examples) == 18 and data.synonyms["nyc"] == "New York"
    single = read_training_data(folder / "nlu.yml")
    assert single.fingerprint() == data.fingerprint()


def test_domain_yaml_malformed_names_line(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text("intents:\n  greet:\n    - hi\n    - hello [friend\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"nlu\.yml:4: unbalanced"):
        read_training_data(path)
    missing = tmp_path / "x.yml"
    missing.write_text("entities: {}\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"x\.yml:1: expected a mapping with an 'intents:'"):
        read_training_data(missing)
    with pytest.raises(ReaderError, match="no such file"):
        read_training_data(tmp_path / "nope.csv")


def test_domain_yaml_long_form_names_example_line(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text("intents:\n  greet:\n    description: hi\n    examples:\n      - hi\n      - '[oops'\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"nlu\.yml:6: unbalanced"):
        read_training_data(path)
