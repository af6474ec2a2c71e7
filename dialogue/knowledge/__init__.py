"""Grounded answers: a domain's ``knowledge/`` documents, indexed with the shared sentence encoder.

``documents`` reads Markdown and YAML Q&A into passages (no model); ``index`` embeds them;
``answer`` retrieves, checks that a passage supports an answer, and extracts it. The NLG
stage uses it for questions no rule answered (``dialogue.nlg.grounded``).
"""
