"""Generation benchmark: backends (TTFT, tokens/s, peak memory), rephrase safety, act-to-text quality.

    python benchmarks/generation.py                 # everything
    python benchmarks/generation.py --only backends --threads 1 2
    python benchmarks/generation.py --only rephrase --limit 40
    python benchmarks/generation.py --only act_to_text --pack domains/customer_service
    python benchmarks/generation.py --only backends --threads 1 --model .dialogue/rephrase/model-Q8_0.gguf
    python benchmarks/generation.py --only rephrase --threads 1 --model .dialogue/rephrase/model-Q8_0.gguf

Each backend runs in its own child process so its peak memory is its own; llama.cpp with
the embedded SmolLM2-135M Q4_1 GGUF is the reference the other rows are compared with.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPTS = [
    [{"role": "user", "content": "Hi! Can you tell me what you can do?"}],
    [{"role": "user", "content": "Write one friendly sentence about parcels."}],
    [{"role": "user", "content": "What is a good way to start the day?"}],
]


# --------------------------------------------------------------------------- backends


def worker(backend: str, threads: int, tokens: int, model: str | None = None) -> dict[str, Any]:
    """Runs in a child process: load, warm up, then time streamed generations."""
    started = time.perf_counter()
    if backend == "llama_cpp":
        from dialogue.nlg.backends.llama_cpp import LlamaCppGenerator

        gen: Any = LlamaCppGenerator(LlamaCppGenerator.Config(n_threads=threads, model=model))
    else:
        import torch

        from dialogue.nlg.backends.hf import TransformersGenerator

        torch.set_num_threads(threads)
        gen = TransformersGenerator(TransformersGenerator.Config())
    gen.load()
    load_s = time.perf_counter() - started

    async def measure() -> tuple[list[float], int, float]:
        await gen.generate(PROMPTS[0], max_new_tokens=4, temperature=0)  # warm-up
        ttfts, count, busy = [], 0, 0.0
        for prompt in PROMPTS:
            t0 = time.perf_counter()
            first = None
            async for _ in gen.stream(prompt, max_new_tokens=tokens, temperature=0):
                if first is None:
                    first = time.perf_counter() - t0
                count += 1
            busy += time.perf_counter() - t0 - (first or 0)
            ttfts.append(first or float("nan"))
        return ttfts, count, busy

    ttfts, count, busy = asyncio.run(measure())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "backend": backend,
        "threads": threads,
        "load_s": load_s,
        "from_cache": getattr(gen, "from_cache", None),
        "ttft_s": sorted(ttfts)[len(ttfts) // 2],
        "tokens_per_s": (count - len(PROMPTS)) / busy if busy > 0 else float("nan"),
        "tokens": count,
        "peak_rss_mb": rss_mb,
    }


def bench_backends(threads: list[int], tokens: int, models: list[str], transformers: bool = True) -> None:
    """The embedded model on both backends, then each extra GGUF (a fine-tuned model) on llama.cpp."""
    rows = []
    runs = [("llama_cpp", None)] + ([("transformers", None)] if transformers else []) + [("llama_cpp", m) for m in models]
    for backend, model in runs:
        for n in threads:
            cmd = [sys.executable, __file__, "--worker", backend, "--threads", str(n), "--tokens", str(tokens)]
            cmd += ["--model", model] if model else []
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            line = next((x for x in reversed(proc.stdout.splitlines()) if x.startswith("{")), None)
            if proc.returncode != 0 or line is None:
                print(f"{backend} ({n} threads) failed:\n{proc.stderr[-2000:]}")
                continue
            rows.append({**json.loads(line), "model": Path(model).name if model else "embedded"})
    reference = {r["threads"]: r for r in rows if r["backend"] == "llama_cpp" and r["model"] == "embedded"}
    print("\n## Backends: embedded SmolLM2-135M-Instruct Q4_1, greedy, "
          f"{tokens} new tokens x {len(PROMPTS)} prompts (median TTFT)\n")
    print("| model | backend | threads | load s | TTFT s | tokens/s | peak RSS MB | tok/s vs embedded on llama.cpp |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ref = reference.get(r["threads"])
        ratio = r["tokens_per_s"] / ref["tokens_per_s"] if ref else float("nan")
        load = f"{r['load_s']:.1f}" + (" (cached)" if r.get("from_cache") else (" (dequantised)" if r["backend"] == "transformers" else ""))
        print(f"| {r['model']} | {r['backend']} | {r['threads']} | {load} | {r['ttft_s']:.3f} | {r['tokens_per_s']:.1f} | "
              f"{r['peak_rss_mb']:.0f} | {ratio:.2f}x |")


# --------------------------------------------------------------------------- rephrase


async def bench_rephrase(limit: int | None, threads: int, seed: int, model: str | None = None) -> None:
    from dialogue.domain.errors import DomainError
    from dialogue.domain.loader import load_domain
    from dialogue.messages import Decision, DialogueAct
    from dialogue.nlg import guards
    from dialogue.nlg.backends.llama_cpp import LlamaCppGenerator
    from dialogue.nlg.finetune.data import ValueSampler
    from dialogue.nlg.realiser import GenerativeRealiser
    from dialogue.nlg.rendering import BUILTIN_VARIABLES

    generator = LlamaCppGenerator(LlamaCppGenerator.Config(n_threads=threads, model=model))
    generator.load()
    totals = {"responses": 0, "preserved": 0, "accepted": 0, "changed": 0, "values": 0, "values_kept": 0,
              "accepted_values": 0, "accepted_values_kept": 0, "seconds": 0.0}
    per_pack = []
    examples: list[tuple[str, str, str]] = []
    for pack in sorted(p for p in (ROOT / "domains").iterdir() if p.is_dir()):
        try:
            domain = load_domain(pack)
        except DomainError as exc:
            print(f"(skipping {pack.name}: does not load: {str(exc).splitlines()[0]})")
            continue
        realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(selection="first", seed=seed), domain, generator=generator)
        sampler = ValueSampler(domain, random.Random(seed))
        stats = {"responses": 0, "preserved": 0, "accepted": 0, "changed": 0}
        for name, variants in realiser.renderer.responses.items():
            if limit is not None and totals["responses"] >= limit:
                break
            variant = next((v for v in variants if not v.spec.channel), None)
            if variant is None:
                continue
            values = {v: sampler.sample(v) for v in sorted(set(variant.variables) - set(BUILTIN_VARIABLES))}
            values.update({k: v for k, v in (variant.spec.condition or {}).items() if isinstance(v, str | int | float) and v != "*"})
            decision = Decision(conversation_id="bench", turn_id=1, acts=(DialogueAct(name=name, slots=values),))
            base, chosen = realiser.renderer.render_act(decision, decision.acts[0])
            if not base.text:
                continue
            used = {k: values[k] for k in (chosen.variables if chosen else ()) if k in values}
            t0 = time.perf_counter()
            candidate = await realiser.rephrase_candidate(base.text)
            totals["seconds"] += time.perf_counter() - t0
            cleaned = guards.clean_generated(candidate)
            preserved = guards.check_preserved(base.text, cleaned, used).ok
            verdict = realiser.accept_rephrase(base.text, candidate, used)
            accepted = verdict.ok
            changed = accepted and _words(verdict.text) != _words(base.text)
            shown = [str(v) for v in used.values() if str(v) and str(v).lower() in base.text.lower()]
            kept = sum(1 for v in shown if v.lower() in cleaned.lower())
            totals["values"] += len(shown)
            totals["values_kept"] += kept
            if accepted:
                totals["accepted_values"] += len(shown)
                totals["accepted_values_kept"] += sum(1 for v in shown if v.lower() in verdict.text.lower())
            stats["responses"] += 1
            stats["preserved"] += preserved
            stats["accepted"] += accepted
            stats["changed"] += changed
            if len(examples) < 4 and accepted:
                examples.append((name, base.text, cleaned))
        for key in ("responses", "preserved", "accepted", "changed"):
            totals[key] += stats[key]
        per_pack.append((pack.name, stats))
    which = Path(model).name if model else "embedded model"
    print(f"\n## Rephrase (llama.cpp, {which}, {threads} thread(s), T={realiser.settings.rephrase_temperature})\n")
    print("| pack | responses | values+numbers preserved | accepted (guards + preservation) | accepted, wording changed "
          "| fell back to template |")
    print("|---|---|---|---|---|---|")
    for name, s in [*per_pack, ("all", totals)]:
        n = max(1, s["responses"])
        print(f"| {name} | {s['responses']} | {s['preserved'] / n:.0%} | {s['accepted'] / n:.0%} | {s['changed'] / n:.0%} "
              f"| {1 - s['accepted'] / n:.0%} |")
    if totals["values"]:
        print(f"\nslot values kept (per value): {totals['values_kept']}/{totals['values']} = "
              f"{totals['values_kept'] / totals['values']:.0%}; in accepted rewrites: "
              f"{totals['accepted_values_kept']}/{totals['accepted_values']}; mean time per rephrase "
              f"{totals['seconds'] / max(1, totals['responses']):.2f} s")
    for name, before, after in examples:
        print(f"\n- {name}: {before!r}\n  → {after!r}")


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9]+", text.lower())


# --------------------------------------------------------------------------- act-to-text


def bench_act_to_text(pack: Path, epochs: int, output: Path, max_pairs: int = 100) -> None:
    from dialogue.domain.loader import load_domain
    from dialogue.nlg.finetune.data import build_dataset
    from dialogue.nlg.finetune.train import TrainSettings, train_and_save

    domain = load_domain(pack)
    data = build_dataset(domain, max_pairs=max_pairs, test_fraction=0.15, seed=0)
    report = train_and_save(data, output, TrainSettings(epochs=epochs))
    settings = TrainSettings(epochs=epochs)
    print(f"\n## Act-to-text (SC-GPT recipe) on {pack.name}: GPT-2 from GPT2Config ({settings.n_layer} layers, "
          f"{settings.n_embd} dims), byte-level BPE trained on the domain\n")
    print("| train examples | held-out combinations | epochs | loss first → last | BLEU (act by act) | SER (act by act) "
          "| BLEU (joint) | SER (joint) | perplexity | train+eval s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {report.n_train} | {report.n_test} | {epochs} | {report.losses[0]:.2f} → {report.losses[-1]:.3f} | "
          f"{report.bleu:.1f} | {report.slot_error_rate:.2%} | {report.joint_bleu:.1f} | {report.joint_slot_error_rate:.2%} "
          f"| {report.perplexity:.2f} | {report.seconds:.0f} |")
    for sample in report.samples[:3]:
        print(f"\n- `{sample['act']}`\n  → {sample['output']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["backends", "rephrase", "act_to_text"], action="append")
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1], help="thread counts to compare (backends)")
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--limit", type=int, default=None, help="at most this many responses to rephrase")
    parser.add_argument("--pack", type=Path, default=ROOT / "domains" / "customer_service")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--max-pairs", type=int, default=100, help="multi-act examples built (act-to-text)")
    parser.add_argument("--output", type=Path, default=Path("/tmp/dialogue-bench-act-to-text"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", action="append", default=[],
                        help="a GGUF file (e.g. a fine-tuned model): extra llama.cpp rows (backends); the model that rephrases")
    parser.add_argument("--no-transformers", action="store_true", help="backends: llama.cpp rows only")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads[0], args.tokens, args.model[0] if args.model else None)))
        return
    parts = args.only or ["backends", "rephrase", "act_to_text"]
    if "backends" in parts:
        bench_backends(args.threads, args.tokens, args.model, transformers=not args.no_transformers)
    if "rephrase" in parts:
        asyncio.run(bench_rephrase(args.limit, min(args.threads), args.seed, args.model[0] if args.model else None))
    if "act_to_text" in parts:
        bench_act_to_text(args.pack, args.epochs, args.output, args.max_pairs)


if __name__ == "__main__":
    main()
