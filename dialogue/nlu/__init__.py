"""Natural-language understanding: intent classifiers, entity extractors, fallbacks."""
