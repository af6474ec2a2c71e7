"""Entity extractors that need no training: regex patterns, lookup tables, spaCy NER."""
