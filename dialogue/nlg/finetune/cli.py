"""``dialogue train nlg DOMAIN``: build act → text pairs, fine-tune, evaluate, save. Called by the CLI."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TextIO

from dialogue.nlg.finetune.train import Progress

DEFAULT_EPOCHS = 20
DEFAULT_OUTPUT = "act_to_text"  # under the domain's model folder (.dialogue/)
EXTRA_EXAMPLES = Path("data") / "nlg_examples.yml"


def run(
    domain_path: str,
    output: str | None = None,
    base_model: str | None = None,
    epochs: int | None = None,
    *,
    max_pairs: int = 100,
    test_fraction: float = 0.15,
    batch_size: int = 16,
    learning_rate: float | None = None,
    seed: int = 0,
    extra_examples: str | None = None,
    n_layer: int = 3,
    n_embd: int = 128,
    min_steps: int = 300,
    lora: int = 0,
    max_steps: int | None = None,
    progress: Progress | None = None,
    out: TextIO | None = None,
) -> int:
    """Train an act-to-text model for a domain; prints the evaluation; returns an exit code.

    ``epochs`` None means the default (20). Without ``progress``, progress lines go to ``out``.
    """
    from dialogue.domain.errors import DomainError
    from dialogue.domain.loader import load_domain
    from dialogue.nlg.finetune.data import build_dataset
    from dialogue.nlg.finetune.train import TrainSettings, train_and_save

    out = out or sys.stdout
    epochs = epochs or DEFAULT_EPOCHS
    if progress is None:
        progress = _printer(out)
    try:
        domain = load_domain(domain_path)
    except DomainError as exc:
        print(f"error: the domain does not load:\n{exc}", file=sys.stderr)
        return 1
    extra = Path(extra_examples) if extra_examples else domain.path / EXTRA_EXAMPLES
    if extra_examples and not extra.is_file():
        print(f"error: extra examples file {extra} does not exist", file=sys.stderr)
        return 1
    try:
        data = build_dataset(domain, max_pairs=max_pairs, test_fraction=test_fraction, seed=seed, extra=extra)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    target = Path(output) if output else domain.model_dir / DEFAULT_OUTPUT
    settings = TrainSettings(
        epochs=epochs,
        learning_rate=learning_rate,
        seed=seed,
        base_model=base_model,
        n_layer=n_layer,
        n_embd=n_embd,
        min_steps=min_steps,
        lora=lora,
        max_steps=max_steps,
        single_weight=2 if base_model else 6,  # a pretrained model needs fewer repeats of the single acts
        batch_size=min(batch_size, 8) if base_model else batch_size,
    )
    print(f"act-to-text: {len(data.train)} training pairs, {len(data.test)} held-out act combinations", file=out)
    for note in data.skipped:
        print(f"  skipped {note}", file=out)
    try:
        report = train_and_save(data, target, settings, progress)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"loss: {report.losses[0]:.3f} → {report.losses[-1]:.3f} over {len(report.losses)} epochs", file=out)
    if report.bleu is not None:
        print(
            f"held-out act combinations, realised act by act: BLEU {report.bleu:.1f}, "
            f"slot error rate {report.slot_error_rate:.1%}, perplexity {report.perplexity:.2f}\n"
            f"  decoded jointly: BLEU {report.joint_bleu:.1f}, slot error rate {report.joint_slot_error_rate:.1%} "
            f"(greedy text alone: BLEU {report.joint_greedy_bleu or 0:.1f}, slot error rate {report.joint_greedy_slot_error_rate or 0:.1%})",
            file=out,
        )
    for sample in report.samples[:3]:
        print(f"  {sample['act']}\n    → {sample['output']}", file=out)
    rel = target.relative_to(domain.path) if target.is_relative_to(domain.path) else target
    print(f"saved to {target} ({report.seconds:.0f} s). Use it with:\n"
          f"  pipeline:\n    nlg: {{use: generative, act_to_text_model: {rel}}}\n"
          f"  generation: {{mode: rephrase}}", file=out)
    return 0


def run_external(
    data_file: str,
    test_file: str | None = None,
    *,
    json_out: str | None = None,
    output: str | None = None,
    base_model: str | None = None,
    epochs: int | None = None,
    batch_size: int = 16,
    learning_rate: float | None = None,
    seed: int = 0,
    n_layer: int = 3,
    n_embd: int = 128,
    min_steps: int = 300,
    lora: int = 0,
    max_steps: int | None = None,
    progress: Progress | None = None,
    out: TextIO | None = None,
) -> int:
    """Train on a file of SC-GPT-form pairs, score on another: BLEU, ROUGE-L, slot error rate, perplexity."""
    import json
    import time

    from dialogue.nlg.act_to_text import FORMAT_VERSION, ActToTextModel
    from dialogue.nlg.finetune.external import PairFileError, external_dataset
    from dialogue.nlg.finetune.pretrained import merged
    from dialogue.nlg.finetune.train import TrainSettings, build_model, evaluate, export, fine_tune

    out = out or sys.stdout
    progress = progress or _printer(out)
    for name in (data_file, test_file):
        if name and not Path(name).is_file():
            print(f"error: {name} does not exist", file=sys.stderr)
            return 1
    try:
        data = external_dataset(Path(data_file), Path(test_file) if test_file else None)
    except (PairFileError, OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    settings = TrainSettings(epochs=epochs or DEFAULT_EPOCHS, batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                             base_model=base_model, n_layer=n_layer, n_embd=n_embd, min_steps=min_steps, single_weight=1,
                             lora=lora, max_steps=max_steps)
    print(f"act-to-text: {len(data.train)} training pairs from {data_file}"
          + (f", {len(data.test)} test pairs from {test_file}" if test_file else ""), file=out)
    started = time.perf_counter()
    model, tokenizer = build_model(data, settings)
    losses = fine_tune(model, tokenizer, data.train, settings, progress)
    model = merged(model)
    train_seconds = time.perf_counter() - started
    longest = max(len(tokenizer(" " + e.target)["input_ids"]) for e in data.train + data.test)
    meta: dict[str, object] = {"format": FORMAT_VERSION, "literal": {}, "base_model": base_model, "act_format": "sc-gpt",
                               "max_new_tokens": min(settings.max_new_tokens, int(longest * 1.5) + 8), "lora": lora}
    if output:
        export(model, tokenizer, Path(output), meta, settings)
        print(f"saved to {output}", file=out)
    # score what will run: the GGUF through llama.cpp when one was written
    realiser = ActToTextModel.load(output) if output and meta.get("gguf") else ActToTextModel(model, tokenizer, meta)
    result: dict[str, object] = {"train_file": data_file, "test_file": test_file, "n_train": len(data.train),
                                 "n_test": len(data.test), "base_model": base_model or f"gpt2-from-config ({n_layer}x{n_embd})",
                                 "loss_first": losses[0], "loss_last": losses[-1], "epochs": len(losses),
                                 "train_seconds": round(train_seconds, 1)}
    if data.test:
        progress("evaluating on the test pairs", 1.0)
        scores = evaluate(realiser, data.test, samples=5, lm=(model, tokenizer))
        result.update(bleu=round(scores.bleu, 2), rouge_l=round(scores.rouge_l, 2),
                      slot_error_rate=round(scores.slot_error_rate, 4), perplexity=round(scores.perplexity, 3),
                      greedy={"bleu": round(scores.greedy_bleu or 0.0, 2),  # before reranking
                              "slot_error_rate": round(scores.greedy_slot_error_rate or 0.0, 4)},
                      samples=scores.samples)
        print(f"test: BLEU {scores.bleu:.1f}, ROUGE-L {scores.rouge_l:.1f}, slot error rate {scores.slot_error_rate:.1%}, "
              f"perplexity {scores.perplexity:.2f} (trained in {train_seconds:.0f} s)", file=out)
        for sample in scores.samples[:3]:
            print(f"  {sample['act']}\n    → {sample['output']}", file=out)
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"scores written to {json_out}", file=out)
    return 0


def run_paraphrase(
    domain_paths: list[str],
    output: str | None = None,
    base_model: str | None = None,
    *,
    epochs: int | None = None,
    lora: int = 16,
    max_steps: int | None = None,
    learning_rate: float | None = None,
    mine: int = 0,
    seed: int = 0,
    progress: Progress | None = None,
    out: TextIO | None = None,
) -> int:
    """Fine-tune the rephrasing model on the paraphrase pairs of one or more domains; writes GGUF files."""
    import asyncio
    import json
    from dataclasses import asdict

    from dialogue.domain.errors import DomainError
    from dialogue.domain.loader import load_domain
    from dialogue.nlg.backends.llama_cpp import LlamaCppGenerator
    from dialogue.nlg.finetune.paraphrase import Pair, mined_pairs, train_paraphraser, variant_pairs
    from dialogue.nlg.finetune.train import TrainSettings

    out = out or sys.stdout
    progress = progress or _printer(out)
    try:
        domains = [load_domain(p) for p in domain_paths]
    except DomainError as exc:
        print(f"error: the domain does not load:\n{exc}", file=sys.stderr)
        return 1
    target = Path(output) if output else domains[0].model_dir / "rephrase"
    pairs = [p for d in domains for p in variant_pairs(d, seed)]
    if mine:
        generator = LlamaCppGenerator(LlamaCppGenerator.Config(n_threads=1))
        for domain in domains:
            cache = target / f"mined-{domain.name}-{mine}x-seed{seed}.json"  # mining takes minutes: done once
            if cache.is_file():
                pairs.extend(Pair(**{**p, "values": tuple(map(tuple, p["values"]))})
                             for p in json.loads(cache.read_text(encoding="utf-8")))
                continue
            found = asyncio.run(mined_pairs(domain, generator, seed=seed, samples=mine, progress=progress))
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps([asdict(p) for p in found], indent=1, ensure_ascii=False), encoding="utf-8")
            pairs.extend(found)
    if not pairs:
        print("error: no paraphrase pairs: the domains have no responses with several wordings, and none were mined",
              file=sys.stderr)
        return 1
    settings = TrainSettings(epochs=epochs or 3, base_model=base_model or "embedded", lora=lora, max_steps=max_steps,
                             min_steps=0, batch_size=8, seed=seed, learning_rate=learning_rate)
    print(f"rephrase: {len(pairs)} pairs ({sum(p.origin == 'variants' for p in pairs)} from response variants, "
          f"{sum(p.origin == 'mined' for p in pairs)} mined)", file=out)
    try:
        report = train_paraphraser(pairs, target, settings, progress)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    runtime = target / report.files.get("Q8_0", next(iter(report.files.values())))
    print(f"loss: {report.losses[0]:.3f} → {report.losses[-1]:.3f}; trained in {report.train_seconds:.0f} s\n"
          f"saved to {target}. Use it with:\n  generation: {{model: {runtime}}}", file=out)
    return 0


def _printer(out: TextIO) -> Progress:
    """Progress for the terminal: the first epoch, every fifth, and the last."""

    def show(description: str, fraction: float) -> None:
        match = re.match(r"epoch (\d+)/", description)
        if match and not (int(match.group(1)) == 1 or int(match.group(1)) % 5 == 0 or fraction >= 1):
            return
        print(f"  {description}", file=out, flush=True)

    return show
