"""Joint intent + entity model on a BERT encoder (MiniLM-L6 by default). Imports torch: load on use."""
