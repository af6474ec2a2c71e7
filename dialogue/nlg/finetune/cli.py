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
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        base_model=base_model,
        n_layer=n_layer,
        n_embd=n_embd,
        min_steps=min_steps,
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
            f"  decoded jointly: BLEU {report.joint_bleu:.1f}, slot error rate {report.joint_slot_error_rate:.1%}",
            file=out,
        )
    for sample in report.samples[:3]:
        print(f"  {sample['act']}\n    → {sample['output']}", file=out)
    rel = target.relative_to(domain.path) if target.is_relative_to(domain.path) else target
    print(f"saved to {target} ({report.seconds:.0f} s). Use it with:\n"
          f"  pipeline:\n    nlg: {{use: generative, act_to_text_model: {rel}}}\n"
          f"  generation: {{mode: rephrase}}", file=out)
    return 0


def _printer(out: TextIO) -> Progress:
    """Progress for the terminal: the first epoch, every fifth, and the last."""

    def show(description: str, fraction: float) -> None:
        match = re.match(r"epoch (\d+)/", description)
        if match and not (int(match.group(1)) == 1 or int(match.group(1)) % 5 == 0 or fraction >= 1):
            return
        print(f"  {description}", file=out, flush=True)

    return show
