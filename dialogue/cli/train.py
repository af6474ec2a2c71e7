"""``dialogue train [nlu|nlg] DOMAIN``: train the domain's models (reused when nothing changed)."""

from __future__ import annotations

import argparse
import time
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "train",
        help="train a domain's NLU (default) or act-to-text NLG model",
        description="Train the NLU models of DOMAIN, or with `nlg` fine-tune an act-to-text language model.",
    )
    parser.add_argument("what", nargs="+", metavar="[nlu|nlg] DOMAIN", help="what to train, then the domain folder")
    parser.add_argument("--force", action="store_true", help="retrain even if a model for this data exists")
    parser.add_argument("--base-model", help="nlg: GPT-2 checkpoint to fine-tune (default: a small GPT-2 from config)")
    parser.add_argument("--epochs", type=int, default=None, help="nlg: training epochs")
    parser.add_argument("--output", help="nlg: where to save the fine-tuned model")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    what, rest = (args.what[0], args.what[1:]) if args.what[0] in ("nlu", "nlg") else ("nlu", args.what)
    if len(rest) != 1:
        Console(stderr=True).print("usage: dialogue train [nlu|nlg] DOMAIN")
        return 2
    if what == "nlg":
        from dialogue.nlg.finetune.cli import run as train_nlg

        return train_nlg(rest[0], output=args.output, base_model=args.base_model, epochs=args.epochs)
    return train_nlu(rest[0], force=args.force)


def train_nlu(path: str, force: bool = False) -> int:
    from rich.console import Console

    from dialogue.assembly import prepare_nlu
    from dialogue.cli.progress import progress_bar
    from dialogue.components import load_local_plugins
    from dialogue.domain import DomainError, load_domain
    from dialogue.registry import PluginError

    console = Console(stderr=True)
    try:
        domain = load_domain(path)
        load_local_plugins(domain)
        started = time.perf_counter()
        with progress_bar("training NLU", console) as progress:
            prepare_nlu(domain, progress=progress, force=force)
        indexed = index_knowledge(domain)
    except (DomainError, PluginError) as exc:
        console.print("[red]error[/red] ", end="")
        console.print(str(exc), markup=False)
        return 1
    console.print(f"[green]trained[/green] {domain.name} in {time.perf_counter() - started:.1f} s "
                  f"(models under {domain.model_dir})" + (f"; {indexed} knowledge passages indexed" if indexed else ""))
    return 0


def index_knowledge(domain: Any) -> int:
    """Embed the domain's knowledge passages now, so the first grounded answer only reads the cache."""
    from dialogue.knowledge.answer import KnowledgeBase

    knowledge = KnowledgeBase.for_domain(domain)
    if knowledge is None:
        return 0
    return len(knowledge.index.passages)
