"""Real generation with the embedded SmolLM2-135M GGUF through llama.cpp (a few tokens, ~1 s)."""

from __future__ import annotations

from pathlib import Path

import pytest
from nlg_support import SHOP, decision, write_domain

from dialogue.domain.loader import load_domain
from dialogue.messages import DialogueAct
from dialogue.nlg import guards
from dialogue.nlg.generator import embedded_model_path

pytest.importorskip("llama_cpp")


@pytest.fixture(scope="module")
def llama():  # type: ignore[no-untyped-def]
    from dialogue.nlg.backends.llama_cpp import LlamaCppGenerator

    # one thread: the test suite shares the CPU; llama.cpp's default of 2 is for an idle machine
    generator = LlamaCppGenerator(LlamaCppGenerator.Config(n_threads=1))
    generator.load()
    return generator


def test_the_embedded_model_ships_with_its_package() -> None:
    path = embedded_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000


async def test_greedy_generation_streams_in_order_and_matches_generate(llama) -> None:  # type: ignore[no-untyped-def]
    deltas = [d async for d in llama.stream("The capital of France is", max_new_tokens=6, temperature=0)]
    assert len(deltas) > 2
    text = "".join(deltas)
    assert "Paris" in text
    assert await llama.generate("The capital of France is", max_new_tokens=6, temperature=0) == text
    chat = [{"role": "user", "content": "Say hello."}]
    assert (await llama.generate(chat, max_new_tokens=8, temperature=0)).strip()  # the GGUF's chat template


async def test_stop_sequence_cuts_the_stream(llama) -> None:  # type: ignore[no-untyped-def]
    text = await llama.generate("1, 2, 3, 4, 5, 6, 7,", max_new_tokens=16, temperature=0, stop=("10",))
    assert "10" not in text and "8" in text


async def test_free_form_reply_from_the_real_model(tmp_path: Path, llama) -> None:  # type: ignore[no-untyped-def]
    from dialogue.nlg.realiser import GenerativeRealiser

    shop = load_domain(write_domain(tmp_path / "shop", SHOP + "generation:\n  max_new_tokens: 20\n"))
    realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(seed=1), shop, generator=llama)
    streamed: list[tuple[int, str]] = []

    async def sink(index: int, delta: str) -> None:
        streamed.append((index, delta))

    [message] = await realiser.realise(decision(DialogueAct(name="utter_chitchat"), user_text="Hi! How are you today?"), sink)
    # properties that hold whatever this machine's llama.cpp build writes:
    assert {index for index, _ in streamed} == {0}
    assert "".join(d for _, d in streamed) == message.text  # the stream never shows text the reply drops
    if message.generated:  # the guards may still reject what a 135M model writes; then the template is used
        assert message.text.strip() and len(message.text) <= shop.generation.max_chars + 1
        assert guards.check_generated(message.text, max_chars=shop.generation.max_chars).text == message.text
    else:
        assert message.text == "I'm fine, thanks! I can help with your orders."
