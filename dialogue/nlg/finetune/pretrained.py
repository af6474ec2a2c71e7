"""Starting points for fine-tuning: the embedded SmolLM2 (from its GGUF) or a local checkpoint; LoRA on top.

``embedded`` (or any Llama-family ``.gguf`` file) is dequantised once through transformers
(cached, see ``dialogue.nlg.backends.hf``); its tokenizer is used unchanged, so the tuned model
can be written back to GGUF with the original file as the template and run by llama.cpp.
LoRA (``peft``) trains small low-rank adapters instead of every weight; they are merged into
the weights after training, so the result is a plain model of the same size and speed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

EMBEDDED = "embedded"
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def gguf_source(base: str | None) -> Path | None:
    """The GGUF file a base model comes from (``embedded`` → the shipped SmolLM2), or None."""
    if not base:
        return None
    if base == EMBEDDED:
        from dialogue.nlg.generator import embedded_model_path

        return embedded_model_path()
    path = Path(base).expanduser()
    return path if path.suffix == ".gguf" else None


def load_base(base: str) -> tuple[Any, Any, Path | None]:
    """Model, tokenizer and the GGUF template (None for a transformers folder) of a named base model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from dialogue.nlg.backends.hf import dequantised_folder

    template = gguf_source(base)
    folder = dequantised_folder(template)[0] if template is not None else Path(base).expanduser()
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, template


def with_lora(model: Any, rank: int, top_layers: int | None = None) -> Any:
    """``model`` with rank-``rank`` adapters on its attention and MLP projections (only those train).

    ``top_layers``: adapt only the last N blocks. Backpropagation then stops at the lowest
    adapted block, which roughly halves the cost of a training step on a CPU.
    """
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as exc:
        raise RuntimeError("LoRA needs the peft package: pip install 'dialogue[generation]'") from exc
    targets = [t for t in LORA_TARGETS if any(name.endswith(t) for name, _ in model.named_modules())]
    n_layers = int(getattr(model.config, "num_hidden_layers", 0) or 0)
    layers = list(range(n_layers - top_layers, n_layers)) if top_layers and 0 < top_layers < n_layers else None
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.05, target_modules=targets, task_type="CAUSAL_LM",
                        layers_to_transform=layers)
    return get_peft_model(model, config)


def merged(model: Any) -> Any:
    """Fold LoRA adapters into the weights (a model without adapters is returned as it is)."""
    return model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
