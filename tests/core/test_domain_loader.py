"""Loading domains: merging files, and errors that name file, line, column and a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domain import DomainError, load_domain
from dialogue.nlu.training_data import AnnotationError, parse_annotated


def test_tiny_domain_loads_and_merges_files(tiny_domain: Path):
    domain = load_domain(tiny_domain)
    assert domain.name == "tiny"
    assert set(domain.intents) == {"greet", "order_status"}
    assert [r.name for r in domain.rules] == ["greet", "order status"]
    assert domain.responses["utter_greet"][0].text == "Hello!"
    assert domain.settings.fallback_threshold == 0.3
    data = domain.training_data()
    example = next(e for e in data.examples if e.text == "where is my order 12345")
    assert example.entities[0].type == "order_id"
    assert example.text[example.entities[0].start : example.entities[0].end] == "12345"


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DomainError) as info:
        load_domain(folder)
    return [str(p) for p in info.value.problems]


def test_misspelled_response_in_rule_names_file_line_and_suggestion(tiny_domain: Path):
    dm = tiny_domain / "dm.yml"
    dm.write_text(dm.read_text().replace("respond: utter_greet", "respond: utter_gret"))
    (problem,) = problems_of(tiny_domain)
    assert problem.startswith(f"{dm}:11:9:")
    assert "response 'utter_gret' is not defined" in problem
    assert 'Did you mean "utter_greet"?' in problem


def test_broken_yaml_syntax_names_line(tiny_domain: Path):
    nlu = tiny_domain / "nlu.yml"
    nlu.write_text("intents:\n  greet:\n    examples: [hello\n  bye: x\n")
    (problem,) = problems_of(tiny_domain)
    assert problem.startswith(f"{nlu}:")
    assert "invalid YAML" in problem


def test_unknown_key_is_an_error_with_suggestion(tiny_domain: Path):
    nlu = tiny_domain / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("    regex:", "    regexp:"))
    (problem,) = problems_of(tiny_domain)
    assert f"{nlu}:14:5" in problem
    assert "unknown key 'regexp'" in problem and 'Did you mean "regex"?' in problem


def test_wrong_type_points_at_the_value(tiny_domain: Path):
    domain_file = tiny_domain / "domain.yml"
    domain_file.write_text(domain_file.read_text().replace("0.3", "lots"))
    (problem,) = problems_of(tiny_domain)
    assert f"{domain_file}:5:" in problem and "fallback_threshold" in problem


def test_all_problems_are_listed_not_just_the_first(tiny_domain: Path):
    dm = tiny_domain / "dm.yml"
    text = dm.read_text().replace("respond: utter_greet", "respond: utter_nope").replace("entity: order_id", "entity: order")
    dm.write_text(text.replace("intent: order_status", "intent: order_stats"))
    problems = problems_of(tiny_domain)
    assert len(problems) == 3
    assert any("entity 'order' is not defined" in p and 'Did you mean "order_id"?' in p for p in problems)
    assert any("intent 'order_stats' is not defined" in p for p in problems)


def test_duplicate_definitions_across_files(tiny_domain: Path):
    (tiny_domain / "more.yml").write_text("responses:\n  utter_greet:\n    - Hi again\n")
    (problem,) = problems_of(tiny_domain)
    assert "more.yml:2:3" in problem and "defined twice" in problem


def test_annotation_with_undefined_entity(tiny_domain: Path):
    nlu = tiny_domain / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("[54321](order_id)", "[54321](orderid)"))
    (problem,) = problems_of(tiny_domain)
    assert f"{nlu}:10:" in problem and "entity 'orderid' is not defined" in problem


def test_empty_folder_and_missing_folder(tmp_path: Path):
    assert "no .yml" in problems_of(tmp_path)[0]
    assert "no such directory" in problems_of(tmp_path / "missing")[0]


def test_yes_and_no_stay_strings(tiny_domain: Path):
    (tiny_domain / "extra.yml").write_text("responses:\n  utter_yes:\n    - yes\n    - no\n")
    domain = load_domain(tiny_domain)
    assert [v.text for v in domain.responses["utter_yes"]] == ["yes", "no"]


def test_inline_annotations():
    example = parse_annotated("send it to [New York](city:NYC) by [friday](date)", "inform")
    assert example.text == "send it to New York by friday"
    city, date = example.entities
    assert (city.start, city.end, city.type, city.value) == (11, 19, "city", "NYC")
    assert example.text[date.start : date.end] == "friday" and date.value == "friday"
    json_style = parse_annotated('fly from [Paris]{"entity": "city", "role": "origin"}', "book")
    assert json_style.entities[0].role == "origin" and json_style.text == "fly from Paris"
    with pytest.raises(AnnotationError):
        parse_annotated("broken [annotation(city)", "x")
