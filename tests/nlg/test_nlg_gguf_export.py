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


@pytest.mark.slow
def test_the_embedded_model_fine_tuned_for_a_step_runs_in_llama_cpp_and_transformers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole path on the real model: dequantise, LoRA step, merge, GGUF (8/4-bit), both runtimes."""
    pytest.importorskip("llama_cpp")
    pytest.importorskip("peft")
    from dialogue.nlg.act_to_text import ActToTextModel
    from dialogue.nlg.finetune.external import external_dataset
    from dialogue.nlg.finetune.train import TrainSettings, build_model, export, fine_tune
    from dialogue.nlg.finetune.pretrained import merged

    data_dir = Path(__file__).resolve().parents[1] / "fixtures" / "act_to_text"
    data = external_dataset(data_dir / "train.txt", None)
    data.train = data.train[:8]
    settings = TrainSettings(base_model="embedded", lora=4, max_steps=1, batch_size=8, single_weight=1, min_steps=0)
    model, tokenizer = build_model(data, settings)
    fine_tune(model, tokenizer, data.train, settings)
    model = merged(model)
    meta: dict[str, Any] = {"format": 1, "literal": {}, "max_new_tokens": 12}
    export(model, tokenizer, tmp_path, meta, settings)
    assert sorted(p.name for p in tmp_path.glob("*.gguf")) == ["model-Q4_1.gguf", "model-Q8_0.gguf"]
    for gguf_name in ("Q8_0", "Q4_1"):
        fast = ActToTextModel.load(tmp_path, gguf_name)
        assert fast._llama is not None and isinstance(fast.generate_delexicalised("inform ( name = [name] ) =>"), str)

    def no_llama_cpp(*args: Any, **kwargs: Any) -> Any:
        raise ImportError("llama_cpp")

    monkeypatch.setattr(ActToTextModel, "from_gguf", no_llama_cpp)
    fallback = ActToTextModel.load(tmp_path)  # transformers reads the same GGUF (dequantised)
    assert fallback._llama is None and fallback.model is not None
    assert isinstance(fallback.generate_delexicalised("inform ( name = [name] ) =>"), str)
