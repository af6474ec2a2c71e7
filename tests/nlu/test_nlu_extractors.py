from __future__ import annotations

from datetime import datetime

import pytest

from dialogue.domain import Domain
from dialogue.nlu.extractors.lookup import LookupEntityExtractor
from dialogue.nlu.extractors.regex import RegexEntityExtractor

from nlu_helpers import parse_of


def test_regex_entities_whole_match_and_group(domain: Domain) -> None:
    extractor = RegexEntityExtractor.from_config(RegexEntityExtractor.Config(), domain)
    entities = extractor.process(parse_of("where is 12345 and Order #AB12?")).entities
    found = {(e.type, e.text, e.start, e.end) for e in entities}
    assert ("order_id", "12345", 9, 14) in found
    assert ("order_id", "AB12", 26, 30) in found  # group 1 of the second pattern
    assert all(e.extractor == "regex_entities" for e in entities)
    assert extractor.process(parse_of("call 1234567")).entities == ()


def test_regex_bad_extra_pattern_is_a_clear_error(domain: Domain) -> None:
    with pytest.raises(ValueError, match="does not compile"):
        RegexEntityExtractor.from_config(RegexEntityExtractor.Config(patterns={"x": ["(unclosed"]}), domain)


def test_lookup_whole_word_case_insensitive_with_synonyms(domain: Domain) -> None:
    extractor = LookupEntityExtractor.from_config(LookupEntityExtractor.Config(), domain)
    parse = extractor.process(parse_of("A LARGE pizza to nyc, not to Parisville or san francisco"))
    found = {(e.type, e.text, e.value) for e in parse.entities}
    assert ("size", "LARGE", "large") in found
    assert ("city", "nyc", "New York") in found  # synonym surface form → canonical
    assert ("city", "san francisco", "San Francisco") in found  # from lookup_file
    assert not any(e.text.lower().startswith("paris") for e in parse.entities)  # not inside a word
    for entity in parse.entities:
        assert parse.text[entity.start : entity.end] == entity.text


def test_lookup_missing_file_is_a_clear_error(domain: Domain) -> None:
    (domain.path / "cities.txt").unlink()
    with pytest.raises(ValueError, match="lookup_file"):
        LookupEntityExtractor.from_config(LookupEntityExtractor.Config(), domain)


def test_spacy_entities_normalised(domain: Domain) -> None:
    pytest.importorskip("spacy")
    from dialogue.nlu.extractors.spacy_ner import SpacyEntityExtractor

    config = SpacyEntityExtractor.Config(now=datetime(2026, 11, 26, 10, 0), labels={"CARDINAL": "count"})
    extractor = SpacyEntityExtractor.from_config(config, domain)
    parse = extractor.process(parse_of("Book it for 4 people next tuesday at 7pm, budget $50"))
    by_type = {e.type: e for e in parse.entities}
    assert by_type["when"].value == "2026-12-01T19:00:00"  # Thursday 26th → Tuesday 1st, DATE+TIME merged
    assert by_type["amount"].value == 50 and by_type["amount"].text == "$50"
    assert by_type["count"].value == 4
    assert all(e.extractor == "spacy_entities" for e in parse.entities)
    batch = extractor.process_batch([parse_of("remind me tomorrow"), parse_of("hello")])
    assert [e.value for e in batch[0].entities] == ["2026-11-27"]
    assert batch[1].entities == ()
