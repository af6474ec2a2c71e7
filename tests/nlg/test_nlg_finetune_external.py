"""`dialogue train nlg --data --test --json`: SC-GPT-form pairs, a tiny GPT-2 from config, the four scores."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dialogue.nlg.finetune.external import PairFileError, external_dataset, parse_acts, read_pairs, rouge_l

pytest.importorskip("transformers")

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "act_to_text"


def test_acts_are_parsed_and_values_the_text_says_become_placeholders(tmp_path: Path) -> None:
    assert parse_acts("request ( area = ? ; type = ? ) @ inform ( choice = 79 )") == [
        ("request", [("area", "?"), ("type", "?")]), ("inform", [("choice", "79")])]
    file = tmp_path / "pairs.txt"
    file.write_text(
        "inform ( name = hakka ; kidsallowed = yes ; area = north ) & hakka allows kids and is in the north\n"
        "select ( near = soma ; near = mission bay ) & near soma or mission bay ?\n"
        "goodbye (  = ? ) & goodbye\n", encoding="utf-8")
    first, second, third = read_pairs(file)
    assert first.source == "inform ( name = [name] ; kidsallowed = yes ; area = [area] )"  # 'yes' chooses the wording
    assert first.target == "[name] allows kids and is in the [area]" and first.acts[0].values == {"name": "hakka", "area": "north"}
    assert second.source == "select ( near = [near] ; near = [near_2] )" and second.target == "near [near] or [near_2] ?"
    assert third.source == "goodbye ( )" and third.target == "goodbye"


@pytest.mark.parametrize("line", ["inform ( name = x ) hakka", "inform name = x & text", "inform ( name = x ) & "])
def test_a_malformed_line_is_reported_with_its_file_and_line(tmp_path: Path, line: str) -> None:
    file = tmp_path / "pairs.txt"
    file.write_text(f"inform ( name = a ) & a\n{line}\n", encoding="utf-8")
    with pytest.raises(PairFileError, match=rf"pairs.txt:2: "):
        read_pairs(file)


def test_references_are_every_test_text_of_the_same_acts(tmp_path: Path) -> None:
    test = tmp_path / "test.txt"
    test.write_text("request ( area = ? ) & which area ?\nrequest ( area = ? ) & what part of town ?\n", encoding="utf-8")
    data = external_dataset(DATA / "train.txt", test)
    assert [e.references for e in data.test] == [("which area ?", "what part of town ?")] * 2


def test_rouge_l_is_the_lcs_f1_against_the_best_reference() -> None:
    assert rouge_l("the cat sat", ["the cat sat"]) == 1.0
    assert rouge_l("the cat sat", ["a dog", "the cat sat down"]) == pytest.approx(2 * 1 * 0.75 / 1.75)
    assert rouge_l("", ["x"]) == 0.0


def test_train_on_a_file_and_score_on_another(tmp_path: Path) -> None:
    from dialogue.nlg.finetune.cli import run_external

    out = tmp_path / "scores.json"
    code = run_external(str(DATA / "train.txt"), str(DATA / "test.txt"), json_out=str(out), output=str(tmp_path / "model"),
                        epochs=2, n_layer=1, n_embd=32, min_steps=40, out=io.StringIO())
    assert code == 0
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert {"bleu", "rouge_l", "slot_error_rate", "perplexity", "train_seconds"} <= set(scores)
    assert 0 <= scores["bleu"] <= 100 and 0 <= scores["rouge_l"] <= 100 and scores["slot_error_rate"] >= 0
    assert scores["perplexity"] >= 1 and scores["train_seconds"] > 0 and scores["n_train"] == 90 and scores["n_test"] == 10
    assert scores["loss_last"] < scores["loss_first"]
    assert (tmp_path / "model" / "act_to_text.json").is_file()


def test_the_cli_explains_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialogue.cli import main

    assert main(["train", "nlg", "--data", str(tmp_path / "missing.txt")]) == 1
    assert "missing.txt does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("not a pair\n", encoding="utf-8")
    assert main(["train", "nlg", "--data", str(bad)]) == 1
    assert "bad.txt:1:" in capsys.readouterr().err
    assert main(["train", "nlg", "domains/education", "--data", str(bad)]) == 2
    assert main(["train", "domains/education", "--json", "x.json"]) == 2
