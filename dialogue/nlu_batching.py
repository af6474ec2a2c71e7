"""NLU micro-batching: ``BatchingNLUStage`` lives with the NLU stage in ``dialogue.nlu_stage``."""

from __future__ import annotations

from dialogue.nlu_stage import BatchingNLUStage

__all__ = ["BatchingNLUStage"]
