"""The few-shot intent classifier on sentence embeddings (``sentence_intent``)."""
