"""The transformers backend with a GPT-2 built from a GPT2Config (no weights are downloadable)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def gpt2_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random GPT2LMHeadModel plus a byte-level BPE tokenizer, saved like any local checkpoint."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from dialogue.nlg.finetune.train import train_tokenizer

    texts = ["Your order has shipped and arrives soon.", "Hello! How can I help you today?"] * 20
    tokenizer = train_tokenizer(texts, [], vocab_size=300)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=32, n_layer=1, n_head=2,
                        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.eos_token_id)
    folder = tmp_path_factory.mktemp("gpt2")
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def generator(gpt2_folder: Path):  # type: ignore[no-untyped-def]
    from dialogue.nlg.backends.hf import TransformersGenerator

    gen = TransformersGenerator(TransformersGenerator.Config(model=str(gpt2_folder), n_threads=1))
    gen.load()
    return gen


async def test_a_gpt2_checkpoint_loads_from_a_local_folder(generator) -> None:  # type: ignore[no-untyped-def]
    assert type(generator.model).__name__ == "GPT2LMHeadModel"


async def test_seeded_sampling_is_reproducible_and_streams_in_order(generator) -> None:  # type: ignore[no-untyped-def]
    first = [d async for d in generator.stream("Hello!", max_new_tokens=12, temperature=1.0, seed=3)]
    again = await generator.generate("Hello!", max_new_tokens=12, temperature=1.0, seed=3)
    assert len(first) > 1 and "".join(first) == again
    ids = generator.tokenizer("Hello!", return_tensors="pt")["input_ids"]
    whole = list(generator.decode_stream(ids, 12, 1.0, 3))
    assert whole == first  # the async stream hands over exactly the tokens decoded, in order


async def test_chat_without_template_is_linearised(generator) -> None:  # type: ignore[no-untyped-def]
    from dialogue.nlg.generator import plain_prompt

    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert plain_prompt(chat) == "Be brief.\nUser: Hi\nBot:"
    assert isinstance(await generator.generate(chat, max_new_tokens=4, temperature=0), str)


async def test_stop_sequences_cut_the_text(generator) -> None:  # type: ignore[no-untyped-def]
    full = await generator.generate("Hello!", max_new_tokens=20, temperature=0)
    assert len(full) > 4
    stop = full[2:4]
    cut = await generator.generate("Hello!", max_new_tokens=20, temperature=0, stop=(stop,))
    assert cut == full[: full.index(stop)]


async def test_a_missing_model_is_a_clear_error() -> None:
    from dialogue.nlg.backends.hf import TransformersGenerator
    from dialogue.nlg.generator import GenerationError

    gen = TransformersGenerator(TransformersGenerator.Config(model="no-such-org/no-such-model"))
    with pytest.raises(GenerationError, match="local"):
        await gen.generate("hi", max_new_tokens=2)


def test_gguf_cache_folder_follows_the_file(tmp_path: Path) -> None:
    from dialogue.nlg.backends.hf import gguf_cache_folder

    model = tmp_path / "m.gguf"
    model.write_bytes(b"x")
    first = gguf_cache_folder(model, tmp_path / "cache")
    assert first == gguf_cache_folder(model, tmp_path / "cache")
    model.write_bytes(b"xy")
    assert gguf_cache_folder(model, tmp_path / "cache") != first


@pytest.mark.slow
async def test_embedded_gguf_through_transformers_is_dequantised_once(tmp_path: Path) -> None:
    from dialogue.nlg.backends.hf import TransformersGenerator

    config = TransformersGenerator.Config(cache_dir=str(tmp_path))
    first = TransformersGenerator(config)
    first.load()
    assert not first.from_cache and any(tmp_path.iterdir())
    second = TransformersGenerator(config)
    second.load()
    assert second.from_cache
    assert "Paris" in await second.generate("The capital of France is", max_new_tokens=5, temperature=0)
