"""``dialogue train [nlu|nlg] DOMAIN``: train the domain's models (reused when nothing changed)."""

from __future__ import annotations

import argparse
import time


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "train",
        help="train a domain's NLU (default), act-to-text NLG model or rephrasing model",
        description="Train the NLU models of DOMAIN; with `nlg` fine-tune an act-to-text language model; with "
        "`rephrase DOMAIN...` fine-tune the rephrasing model on the domains' paraphrase pairs.",
    )
    parser.add_argument("what", nargs="+", metavar="[nlu|nlg] DOMAIN",
                        help="what to train, then the domain folder (nlg with --data needs no domain)")
    parser.add_argument("--force", action="store_true", help="retrain even if a model for this data exists")
    parser.add_argument("--base-model", help="nlg: model to fine-tune: 'embedded' (SmolLM2, written back to GGUF), a .gguf "
                        "file, or a local GPT-2-family folder (default: a small GPT-2 from config)")
    parser.add_argument("--lora", type=int, default=0, metavar="RANK", help="nlg: train LoRA adapters of this rank (merged after)")
    parser.add_argument("--max-steps", type=int, help="nlg, rephrase: at most this many updates (a pretrained base on a CPU)")
    parser.add_argument("--learning-rate", type=float, help="nlg, rephrase: AdamW learning rate (default 5e-3 from scratch, "
                        "2e-4 LoRA, 5e-5 full fine-tuning)")
    parser.add_argument("--mine", type=int, default=0, metavar="N",
                        help="rephrase: also sample N rewrites per response from the generation model and keep those the "
                        "guards accept (off by default: see docs/nlg.md)")
    parser.add_argument("--epochs", type=int, default=None, help="nlg: training epochs")
    parser.add_argument("--max-pairs", type=int, default=100, metavar="N",
                        help="nlg: two-act combinations built from the domain's responses, 15%% of them held out (default 100)")
    parser.add_argument("--output", help="nlg: where to save the fine-tuned model")
    parser.add_argument("--data", help="nlg: train on this file of 'act ( slot = value ; ... ) & text' pairs (SC-GPT form)")
    parser.add_argument("--test", help="nlg --data: evaluate on this file of pairs (BLEU, ROUGE-L, slot error rate, perplexity)")
    parser.add_argument("--json", help="nlg --data: write the scores to this JSON file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    what, rest = (args.what[0], args.what[1:]) if args.what[0] in ("nlu", "nlg", "rephrase") else ("nlu", args.what)
    if what == "rephrase":
        from dialogue.nlg.finetune.cli import run_paraphrase

        if not rest:
            Console(stderr=True).print("usage: dialogue train rephrase DOMAIN [DOMAIN...] [--base-model embedded] [--lora 16]")
            return 2
        return run_paraphrase(rest, output=args.output, base_model=args.base_model, epochs=args.epochs,
                              lora=args.lora or 16, max_steps=args.max_steps, learning_rate=args.learning_rate, mine=args.mine)
    if what == "nlg" and args.data:
        if rest:
            Console(stderr=True).print("usage: dialogue train nlg --data TRAIN.txt [--test TEST.txt] [--json OUT.json] (no DOMAIN)")
            return 2
        from dialogue.nlg.finetune.cli import run_external

        return run_external(args.data, args.test, json_out=args.json, output=args.output, base_model=args.base_model,
                            epochs=args.epochs, lora=args.lora, max_steps=args.max_steps, learning_rate=args.learning_rate)
    if args.data or args.test or args.json:
        Console(stderr=True).print("--data, --test and --json are options of `dialogue train nlg`")
        return 2
    if len(rest) != 1:
        Console(stderr=True).print("usage: dialogue train [nlu|nlg] DOMAIN")
        return 2
    if what == "nlg":
        from dialogue.nlg.finetune.cli import run as train_nlg

        return train_nlg(rest[0], output=args.output, base_model=args.base_model, epochs=args.epochs, lora=args.lora,
                         max_steps=args.max_steps, learning_rate=args.learning_rate, max_pairs=args.max_pairs)
    return train_nlu(rest[0], force=args.force)


def train_nlu(path: str, force: bool = False) -> int:
    from rich.console import Console

    from dialogue.assembly import prepare_nlu
    from dialogue.cli.progress import progress_bar
    from dialogue.components import load_local_plugins
    from dialogue.domain import DomainError, load_domain
    from dialogue.knowledge.answer import index_domain_knowledge
    from dialogue.registry import PluginError

    console = Console(stderr=True)
    try:
        domain = load_domain(path)
        load_local_plugins(domain)
        started = time.perf_counter()
        with progress_bar("training NLU", console) as progress:
            prepare_nlu(domain, progress=progress, force=force)
        indexed = index_domain_knowledge(domain)
    except (DomainError, PluginError) as exc:
        console.print("[red]error[/red] ", end="")
        console.print(str(exc), markup=False)
        return 1
    console.print(f"[green]trained[/green] {domain.name} in {time.perf_counter() - started:.1f} s "
                  f"(models under {domain.model_dir})" + (f"; {indexed} knowledge passages indexed" if indexed else ""))
    return 0

