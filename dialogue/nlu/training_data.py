"""NLU's name for the labelled-example vocabulary, which lives in ``dialogue.domain.examples``.

Kept so plugins and scripts that import it from here keep working; new code imports the domain module.
"""

from __future__ import annotations

from dialogue.domain.examples import AnnotationError, EntitySpan, TrainingData, TrainingExample, parse_annotated

__all__ = ["AnnotationError", "EntitySpan", "TrainingData", "TrainingExample", "parse_annotated"]
