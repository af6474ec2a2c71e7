"""Write a fine-tuned Llama-family model back to GGUF, so llama.cpp runs it as fast as the embedded one.

The fine-tuned weights keep the architecture and tokenizer of the GGUF they started from
(the embedded SmolLM2), so that file is the template: every metadata key (hyper-parameters,
tokenizer, chat template) is copied, and only the tensors are replaced, quantised with the
``gguf`` package (``Q8_0``, ``Q4_0``, ``Q4_1``...). Norms stay F32, as in the template.
transformers un-permutes the query and key weights of a Llama GGUF when it loads one (llama.cpp
orders rotary dimensions differently), so they are permuted back here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: keys the writer sets itself, or that describe the tensors rather than the model
_OWN_KEYS = ("GGUF.", "general.architecture", "general.file_type", "general.quantization_version")
#: llama.cpp's file type numbers (LLAMA_FTYPE_MOSTLY_*) for the "general.file_type" key
FILE_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9}


def permute(weights: Any, n_head: int) -> Any:
    """transformers' rotary layout → llama.cpp's, for a query or key projection of ``n_head`` heads."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


def write_gguf(model: Any, template: Path, output: Path, qtype: str = "Q8_0") -> Path:
    """Write ``model`` (a transformers Llama) as ``output``, with ``template``'s metadata, quantised to ``qtype``."""
    import gguf
    import numpy as np

    if qtype not in FILE_TYPES:
        raise ValueError(f"unsupported quantisation {qtype!r}; choose one of {', '.join(FILE_TYPES)}")
    reader = gguf.GGUFReader(str(template))
    arch = str(reader.fields["general.architecture"].contents())
    if arch != "llama":
        raise ValueError(f"only Llama-family GGUF files can be rewritten (the template is {arch!r})")
    n_head = int(reader.fields["llama.attention.head_count"].contents())
    n_head_kv = int(reader.fields["llama.attention.head_count_kv"].contents())
    n_blocks = int(reader.fields["llama.block_count"].contents())
    names = gguf.TensorNameMap(gguf.MODEL_ARCH.LLAMA, n_blocks)
    template_types = {t.name: t.tensor_type for t in reader.tensors}

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), arch)
    for key, field in reader.fields.items():
        if key.startswith(_OWN_KEYS):
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), vtype, sub_type=sub_type)
    writer.add_file_type(FILE_TYPES[qtype])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)

    target = gguf.GGMLQuantizationType[qtype]
    written = set()
    for hf_name, tensor in model.state_dict().items():
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None or name in written:
            if hf_name != "lm_head.weight":  # tied to the embeddings: llama.cpp reuses token_embd
                raise ValueError(f"no GGUF name for tensor {hf_name!r}")
            continue
        data = tensor.detach().float().cpu().numpy()
        if hf_name.endswith("self_attn.q_proj.weight"):
            data = permute(data, n_head)
        elif hf_name.endswith("self_attn.k_proj.weight"):
            data = permute(data, n_head_kv)
        kind = template_types.get(name)
        if data.ndim == 1 or kind == gguf.GGMLQuantizationType.F32:
            writer.add_tensor(name, data.astype(np.float32))
        else:
            # the embeddings are Q8_0 in the template at any size: they are also the output layer
            quant = gguf.GGMLQuantizationType.Q8_0 if name == "token_embd.weight" and qtype.startswith("Q") else target
            writer.add_tensor(name, gguf.quants.quantize(data, quant), raw_dtype=quant)
        written.add(name)
    missing = set(template_types) - written
    if missing:
        raise ValueError(f"the model lacks tensors the template has: {sorted(missing)[:5]}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(output)
    return output
