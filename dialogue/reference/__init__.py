"""The reference of every domain key and component option, generated from the pydantic models.

``models`` walks a model into tables (key, type, default, meaning); ``jsonschema`` writes the
JSON Schemas editors use; ``markdown`` writes ``docs/reference.md``. Nothing here is written
by hand except ``glossary``: meanings of component options whose classes give none.
"""
