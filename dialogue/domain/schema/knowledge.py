"""Schema of the ``knowledge:`` section: grounded answers from the domain's own documents."""

from __future__ import annotations

from pydantic import Field

from dialogue.domain.schema.base import Section


class KnowledgeSettings(Section):
    """How questions no rule answers are answered from the ``knowledge/`` folder (see docs/knowledge.md)."""

    enabled: bool = Field(True, description="false: never answer from knowledge, even with a knowledge/ folder.")
    folder: str = Field("knowledge", description="Folder of Markdown and YAML Q&A files, relative to the domain.")
    answers_for: list[str] | None = Field(
        None,
        description="Responses a grounded answer may replace (the 'I can't help' replies); "
        "default: utter_out_of_scope, utter_clarify and settings.fallback_response.",
    )
    refines: list[str] = Field(
        default_factory=list,
        description="Intent replies a grounded answer may also replace (a general pricing reply), but only when the "
        "question names a word the intent's examples never use and the passage holds every topic word of it.",
    )
    response: str = Field(
        "utter_knowledge_answer",
        description="Response that wraps an answer (variables: answer, title, source); built-in wording if absent.",
    )
    cite: bool = Field(True, description="Name the passage an answer came from.")
    model: str | None = Field(None, description="Sentence encoder; default: the shipped MiniLM-L6.")
    min_similarity: float = Field(0.45, ge=0, le=1, description="Cosine similarity a passage needs to be considered.")
    min_coverage: float = Field(0.45, ge=0, le=1, description="Share of the question's topic words the passage must contain.")
    word_similarity: float = Field(0.6, ge=0, le=1, description="Cosine similarity at which two words count as the same topic.")
    max_answer_chars: int = Field(320, gt=0, description="Longer passages are answered with their best sentences.")
    top_k: int = Field(5, ge=1, le=20, description="Passages retrieved per question (the best supported one answers).")
