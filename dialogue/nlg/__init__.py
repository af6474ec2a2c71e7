"""Natural-language generation: templates, language-model backends, guards and act-to-text models.

Nothing heavy is imported here; backends import torch / transformers / llama_cpp when built.
"""
