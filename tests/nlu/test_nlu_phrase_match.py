"""Known values found the way people write them: inflections and typos, never short-word false matches."""

from __future__ import annotations

import pytest

from dialogue.domain import Domain
from dialogue.nlu.extractors.lookup import LookupEntityExtractor
from dialogue.nlu.phrase_match import INFLECTED, PhraseMatcher

from nlu_helpers import parse_of

PRODUCTS = {name.lower(): name for name in (
    "Yoga Mat", "Bluetooth Speaker", "Wireless Earbuds", "USB-C Charger", "Desk Lamp", "Smart Watch", "Trail Running Shoes",
)}
PRODUCTS.update({"speaker": "Bluetooth Speaker", "mat": "Yoga Mat", "c++": "C++"})


def found(text: str, **options: object) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.value) for m in PhraseMatcher(PRODUCTS, **options).find(text)]


@pytest.mark.parametrize(("text", "surface", "value"), [
    ("do you sell yoga mats", "yoga mats", "Yoga Mat"),
    ("DESK LAMPS?", "DESK LAMPS", "Desk Lamp"),
    ("my speakers broke", "speakers", "Bluetooth Speaker"),
    ("usb c chargers", "usb c chargers", "USB-C Charger"),
    ("a Yoga-Mat", "Yoga-Mat", "Yoga Mat"),
])
def test_inflected_and_spaced_forms_map_to_the_canonical_value(text: str, surface: str, value: str) -> None:
    assert found(text) == [(surface, value)]


@pytest.mark.parametrize(("text", "surface", "value"), [
    ("is the bluetooth speakr waterproof", "bluetooth speakr", "Bluetooth Speaker"),
    ("wireles earbuds", "wireles earbuds", "Wireless Earbuds"),
    ("trail runnign shoes", "trail runnign shoes", "Trail Running Shoes"),  # swapped letters: one edit
])
def test_small_typos_in_long_words_match_with_lower_confidence(text: str, surface: str, value: str) -> None:
    matches = PhraseMatcher(PRODUCTS).find(text)
    assert [(text[m.start : m.end], m.value) for m in matches] == [(surface, value)]
    assert all(0.8 <= m.score < INFLECTED for m in matches)


@pytest.mark.parametrize("text", [
    "the map is wrong",         # "map" is one edit from "mat", but short words must be spelled right
    "smart wach",               # "wach" is too short to forgive a typo
    "what is the speed",        # no lookup word here at all
    "speakeasy bar",            # a longer word that merely starts like a value
    "my mattress",              # not an inflection of "mat"
])
def test_no_false_matches(text: str) -> None:
    assert found(text) == []


def test_typos_and_inflections_can_be_switched_off() -> None:
    assert found("yoga mats", inflections=False) == []
    assert found("bluetooth speakr", fuzzy=False) == []
    assert found("yoga mat", inflections=False, fuzzy=False) == [("yoga mat", "Yoga Mat")]


def test_longest_match_wins_and_matches_do_not_overlap() -> None:
    assert found("the yoga mat and the speaker") == [("yoga mat", "Yoga Mat"), ("speaker", "Bluetooth Speaker")]


def test_forms_with_symbols_match_only_literally() -> None:
    assert found("i write c++ all day") == [("c++", "C++")]
    assert found("vitamin c and c sharp") == []


def test_lookup_entities_finds_plural_lookup_values(domain: Domain) -> None:
    extractor = LookupEntityExtractor.from_config(LookupEntityExtractor.Config(), domain)
    entities = extractor.process(parse_of("two larges to san fransisco")).entities
    assert {(e.type, e.text, e.value) for e in entities} == {
        ("size", "larges", "large"), ("city", "san fransisco", "San Francisco"),
    }
    assert all(e.confidence < 1.0 for e in entities)
