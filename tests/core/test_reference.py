"""The reference and the JSON Schemas come from the models: complete, current, and true to the validators."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from dialogue.domain.loader import domain_files
from dialogue.domain.positions import load_yaml_with_positions
from dialogue.reference.glossary import MEANINGS
from dialogue.reference.jsonschema import domain_schema, conversation_tests_schema
from dialogue.reference.markdown import component_tables, domain_tables, render, conversation_test_tables
from dialogue.reference.models import field_comments, glossary_key
from dialogue.scaffold import BLANK

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [ROOT / "domains" / p for p in ("customer_service", "education", "medical")] + [BLANK]


def all_tables():
    return [*domain_tables(), *conversation_test_tables(), *(t for _, _, t, _ in component_tables() if t is not None)]


def test_docs_reference_is_up_to_date():
    written = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert written == render(), "docs/reference.md is out of date: run `dialogue schema --reference docs/reference.md`"


def test_every_key_has_a_type_a_default_and_a_meaning():
    missing = [f"{t.title}.{r.key}" for t in all_tables() for r in t.rows if not r.meaning]
    assert missing == [], "give these a Field(description=...) (or a glossary entry for classes of other modules)"
    assert all(r.type and r.default for t in all_tables() for r in t.rows)


def test_glossary_holds_only_meanings_the_code_does_not_give():
    used = {glossary_key(t.model, r.key) for t in all_tables()
            for r in t.rows if r.source == "glossary"}
    stale = sorted(set(MEANINGS) - used)
    assert stale == [], "these options got a description in code (or are gone): remove them from the glossary"


def test_trailing_comments_count_as_meanings():
    from dialogue.nlu.tfidf import TfidfIntentClassifier

    assert "delexicalise" in field_comments(TfidfIntentClassifier.Config)


def _documents(folder: Path):
    for file in domain_files(folder):
        data, _ = load_yaml_with_positions(file)  # YAML 1.2 booleans, as the loader reads them
        yield file, data


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_shipped_domain_file_validates_against_the_schema(folder: Path):
    validator = jsonschema.Draft202012Validator(domain_schema())
    for file, data in _documents(folder):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == [], f"{file}: {errors}"


def test_every_shipped_test_file_validates_against_the_test_schema():
    validator = jsonschema.Draft202012Validator(conversation_tests_schema())
    files = [f for folder in FOLDERS for f in sorted((folder / "tests").glob("*.yml"))]
    assert files
    for file in files:
        data, _ = load_yaml_with_positions(file)
        assert list(validator.iter_errors(data)) == [], file


@pytest.mark.parametrize("document", [
    {"slots": {"day": {"typ": "text"}}},                                  # a misspelt key
    {"pipeline": {"nlu": [{"use": "tfidf_intent", "ngrams": 3}]}},        # an option the component lacks
    {"pipeline": {"nlu": [{"use": "fallback", "threshold": "high"}]}},    # a wrong type for a component option
    {"rules": [{"name": "x", "then": [{"respond": 3}]}]},                 # a wrong type
    {"settings": {"fallback_threshold": 2}},                              # out of range
])
def test_the_schema_rejects_what_the_loader_rejects(document):
    assert list(jsonschema.Draft202012Validator(domain_schema()).iter_errors(document))


def test_shorthands_and_single_values_are_accepted():
    document = yaml.safe_load("""
intents:
  greet: [hi, hello]
responses:
  utter_greet: ["Hello!"]
rules:
  - name: greet
    when: {intent: greet}
    then: [respond: utter_greet]
pipeline:
  nlu: [regex_entities, {use: tfidf_intent, delexicalise: true}, {use: my_plugin_step, anything: 1}]
""")
    assert list(jsonschema.Draft202012Validator(domain_schema()).iter_errors(document)) == []


def test_schema_command_writes_both_schemas(tmp_path: Path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "dialogue", "schema", "-o", str(tmp_path)], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"domain.schema.json", "tests.schema.json"}
