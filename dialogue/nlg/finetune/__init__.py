"""Act-to-text fine-tuning (SC-GPT recipe): data from templates, training, evaluation."""
