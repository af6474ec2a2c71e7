"""Writing a fine-tuned Llama back to GGUF: metadata copied from the template, tensors renamed, permuted, quantised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
gguf = pytest.importorskip("gguf")
pytest.importorskip("transformers")

from dialogue.nlg.finetune.gguf_export import permute, write_gguf  # noqa: E402


def tiny_llama() -> Any:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)
    return LlamaForCausalLM(config)


def template_for(model: Any, path: Path) -> Path:
    """A GGUF shaped like ``model``: Q8_0 matrices, F32 norms, and metadata to copy."""
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(2)
    writer.add_head_count(4)
    writer.add_head_count_kv(2)
    writer.add_string("tokenizer.chat_template", "{{ messages }}")
    writer.add_array("tokenizer.ggml.tokens", [f"t{i}" for i in range(64)])
    names = gguf.TensorNameMap(gguf.MODEL_ARCH.LLAMA, 2)
    for hf_name, tensor in model.state_dict().items():
        name = names.get_name(hf_name, try_suffixes=(".weight",))
        if name is None:
            continue
        data = tensor.float().numpy()
        if data.ndim == 1:
            writer.add_tensor(name, data)
        else:
            writer.add_tensor(name, gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0),
                              raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_permute_is_what_the_transformers_gguf_loader_undoes() -> None:
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    weights = np.arange(8 * 16 * 3, dtype=np.float32).reshape(8 * 16, 3)
    undo = LlamaTensorProcessor(config={"num_attention_heads": 8, "num_key_value_heads": 2})._reverse_permute_weights
    assert np.array_equal(undo(permute(weights, 8), 8, 8), weights)  # queries
    assert np.array_equal(undo(permute(weights, 2), 8, 2), weights)  # keys use the key-value head count
    assert not np.array_equal(permute(weights, 8), weights)


@pytest.mark.parametrize("qtype", ["Q8_0", "Q4_1"])
def test_a_model_is_written_with_the_template_s_metadata(tmp_path: Path, qtype: str) -> None:
    model = tiny_llama()
    template = template_for(model, tmp_path / "template.gguf")
    out = write_gguf(model, template, tmp_path / "tuned.gguf", qtype)
    reader = gguf.GGUFReader(str(out))
    assert reader.fields["tokenizer.chat_template"].contents() == "{{ messages }}"
    assert reader.fields["tokenizer.ggml.tokens"].contents()[:2] == ["t0", "t1"]
    assert reader.fields["general.file_type"].contents() == {"Q8_0": 7, "Q4_1": 3}[qtype]
    tensors = {t.name: t for t in reader.tensors}
    assert set(tensors) == {t.name for t in gguf.GGUFReader(str(template)).tensors}
    assert tensors["blk.0.attn_norm.weight"].tensor_type.name == "F32"
    assert tensors["blk.1.ffn_down.weight"].tensor_type.name == qtype
    assert tensors["token_embd.weight"].tensor_type.name == "Q8_0"  # also the output layer: kept at 8 bits
    q = model.state_dict()["model.layers.0.self_attn.q_proj.weight"].numpy()
    stored = gguf.quants.dequantize(tensors["blk.0.attn_q.weight"].data, tensors["blk.0.attn_q.weight"].tensor_type)
    assert np.abs(stored.reshape(q.shape) - permute(q, 4)).max() < (0.01 if qtype == "Q8_0" else 0.05)


def test_only_llama_templates_and_known_quantisations(tmp_path: Path) -> None:
    model = tiny_llama()
    template = template_for(model, tmp_path / "template.gguf")
    with pytest.raises(ValueError, match="unsupported quantisation"):
        write_gguf(model, template, tmp_path / "x.gguf", "Q3_K_XL")
