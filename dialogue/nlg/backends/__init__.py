"""Generator backends (llama.cpp, transformers); each imports its library only when built."""
