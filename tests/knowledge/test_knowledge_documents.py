"""Reading a knowledge folder: Markdown sections and YAML Q&A become passages; broken files name file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dialogue.domain.errors import DomainError
from dialogue.domain.loader import load_domain
from dialogue.knowledge.documents import KnowledgeError, load_knowledge, read_markdown

MARKDOWN = """
# Shop policies

Intro paragraph about the shop.

## Gift cards
Gift cards are **valid for 3 years**. See [the terms](https://example.com/terms).

- They can't be returned.
- They can't be exchanged for cash.

### Lost cards
Check your `spam` folder.

| amount | fee |
|---|---|
| $25 | none |
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_markdown_paragraphs_lists_and_tables_become_passages_titled_by_their_headings() -> None:
    passages = read_markdown(MARKDOWN, "policies.md")
    by_text = {p.text: p for p in passages}
    assert [p.title for p in passages] == ["Shop policies", "Gift cards", "Gift cards", "Gift cards › Lost cards",
                                           "Gift cards › Lost cards"]
    assert "Gift cards are valid for 3 years. See the terms." in by_text  # emphasis and link syntax dropped
    assert "- They can't be returned.\n- They can't be exchanged for cash." in by_text  # a list is one passage
    assert by_text["Check your spam folder."].id == "policies.md:13"  # file:line of the paragraph
    assert any("$25" in p.text and "---" not in p.text for p in passages)


def test_yaml_entries_keep_every_phrasing(tmp_path: Path) -> None:
    write(tmp_path, "faq.yml", """
        - q: Do you wrap gifts?
          a: Yes, for $4.50.
        - q: ["Can I pay later?", "Do you take Klarna?"]
          a: Yes, with Klarna.
          title: Paying later
    """)
    first, second = load_knowledge(tmp_path)
    assert (first.title, first.text, first.questions, first.id) == ("Do you wrap gifts?", "Yes, for $4.50.", ("Do you wrap gifts?",), "faq.yml:1")
    assert second.title == "Paying later" and second.questions == ("Can I pay later?", "Do you take Klarna?")


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("- q: [Do you wrap?, Yes]\n  a: x\n", "faq.yml:1", "invalid YAML"),
        ("- q: Do you wrap?\n", "faq.yml:1", "a: Field required"),
        ("- q: Do you wrap?\n  a: yes\n- q: ''\n  a: no\n", "faq.yml:3", "non-empty question"),
        ("q: Do you wrap?\na: yes\n", "faq.yml:1", "list of entries"),
        ("- q: x\n  a: y\n  colour: red\n", "faq.yml:1", "colour"),
    ],
)
def test_a_broken_yaml_file_names_its_line(tmp_path: Path, text: str, where: str, message: str) -> None:
    (tmp_path / "faq.yml").write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(tmp_path)
    assert where in str(caught.value) and message in str(caught.value)


def test_the_domain_loader_reports_knowledge_problems_and_does_not_read_knowledge_yaml_as_domain_files(tmp_path: Path) -> None:
    domain = tmp_path / "shop"
    write(domain, "domain.yml", """
        name: shop
        responses:
          utter_out_of_scope: ["Sorry, I can't help with that."]
    """)
    write(domain / "knowledge", "faq.yml", "- q: Do you wrap gifts?\n  a: Yes.\n")
    assert load_domain(domain).knowledge_dir == domain / "knowledge"
    (domain / "knowledge" / "faq.yml").write_text("- q: Do you wrap gifts?\n", encoding="utf-8")
    with pytest.raises(DomainError) as caught:
        load_domain(domain)
    assert "knowledge/faq.yml:1" in str(caught.value)


def test_knowledge_settings_are_checked_against_the_domain(tmp_path: Path) -> None:
    domain = tmp_path / "shop"
    write(domain, "domain.yml", """
        name: shop
        responses:
          utter_out_of_scope: ["Sorry."]
        knowledge:
          folder: docs
          response: utter_answr
          answers_for: [utter_out_of_scop]
    """)
    with pytest.raises(DomainError) as caught:
        load_domain(domain)
    text = str(caught.value)
    assert "knowledge.response" in text and "knowledge.answers_for" in text and "docs does not exist" in text
