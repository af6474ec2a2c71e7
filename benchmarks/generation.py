"""Generation benchmark: backends (TTFT, tokens/s, peak memory), rephrase safety, act-to-text quality.

    python benchmarks/generation.py                 # everything
    python benchmarks/generation.py --only backends --threads 1 2
    python benchmarks/generation.py --only rephrase --limit 40
    python benchmarks/generation.py --only act_to_text --pack domains/customer_service
    python benchmarks/generation.py --only act_to_text --base-model embedded --lora 16 --max-steps 200
    python benchmarks/generation.py --only backends --threads 1 --model .dialogue/rephrase/model-Q8_0.gguf
    python benchmarks/generation.py --only rephrase --threads 1 --model .dialogue/rephrase/model-Q8_0.gguf \\
        --held-out-from .dialogue/rephrase/paraphrase.json

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


async def bench_rephrase(limit: int | None, threads: int, seed: int, models: list[str | None],
                         held_out_from: list[Path] = (), temperature: float | None = None) -> None:
    """Every pack response rephrased by each model (the embedded one first) and checked by the unchanged guards.

    ``held_out_from``: ``paraphrase.json`` files of fine-tuned rephrasing models; the responses
    they were trained on are left out for *every* model, so all rows score the same unseen responses.
    """
    from dialogue.domain.errors import DomainError
    from dialogue.domain.loader import load_domain

    trained: set[tuple[str, str]] = set()
    for file in held_out_from:
        pairs = json.loads(file.read_text(encoding="utf-8"))["pairs"]
        if any(not p.get("domain") for p in pairs):
            raise SystemExit(f"{file} does not say which domain each pair came from: retrain it to hold its responses out")
        trained.update((p["domain"], p["response"]) for p in pairs)
    domains = []
    for pack in sorted(p for p in (ROOT / "domains").iterdir() if p.is_dir()):
        try:
            domains.append(load_domain(pack))
        except DomainError as exc:
            print(f"(skipping {pack.name}: does not load: {str(exc).splitlines()[0]})")
    runs = []
    for model in models:
        runs.append((model, await _rephrase_run(domains, model, limit, threads, seed, trained, temperature)))
        done = dict(runs[-1][1][0])["all"]
        print(f"({Path(model).name if model else 'embedded'}: {done['accepted']}/{done['responses']} accepted)", flush=True)
    t = temperature if temperature is not None else "pack setting"
    print(f"\n## Rephrase (llama.cpp, {threads} thread(s), rephrase_temperature {t}"
          + (f"; {len(trained)} responses the fine-tuned model was trained on left out" if trained else "") + ")\n")
    print("| model | pack | responses | values+numbers preserved | accepted (guards + preservation) | accepted, wording changed "
          "| accepted keeping every slot value | fell back to template | s per rephrase | accepted vs embedded |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    reference = dict(runs[0][1][0])
    for model, (per_pack, _) in runs:
        for name, s in per_pack:
            n, ok = max(1, s["responses"]), s["accepted"]
            base = reference[name]["accepted"]
            print(f"| {Path(model).name if model else 'embedded'} | {name} | {s['responses']} | {s['preserved'] / n:.0%} "
                  f"| {ok / n:.0%} | {s['changed'] / n:.0%} | {s['accepted_all_values']}/{ok} | {1 - ok / n:.0%} "
                  f"| {s['seconds'] / n:.2f} | {ok / base if base else float('nan'):.2f}x |")
    for model, (per_pack, examples) in runs:
        totals = dict(per_pack)["all"]
        print(f"\n{Path(model).name if model else 'embedded'}: slot values kept (per value) "
              f"{totals['values_kept']}/{totals['values']}; in accepted rewrites "
              f"{totals['accepted_values_kept']}/{totals['accepted_values']}")
        for name, before, after in examples:
            print(f"- {name}: {before!r}\n  → {after!r}")


async def _rephrase_run(domains: list[Any], model: str | None, limit: int | None, threads: int, seed: int,
                        skip: set[tuple[str, str]], temperature: float | None) -> tuple[list[tuple[str, dict[str, Any]]], list[Any]]:
    """Per pack (then "all"): counts of responses rephrased, preserved, accepted, changed; and a few accepted examples."""
    from dialogue.messages import Decision, DialogueAct
    from dialogue.nlg import guards
    from dialogue.nlg.backends.llama_cpp import LlamaCppGenerator
    from dialogue.nlg.finetune.data import ValueSampler
    from dialogue.nlg.realiser import GenerativeRealiser
    from dialogue.nlg.rendering import BUILTIN_VARIABLES

    generator = LlamaCppGenerator(LlamaCppGenerator.Config(n_threads=threads, model=model))
    generator.load()
    keys = ("responses", "preserved", "accepted", "changed", "accepted_all_values", "values", "values_kept",
            "accepted_values", "accepted_values_kept", "seconds")
    totals: dict[str, Any] = dict.fromkeys(keys, 0)
    per_pack: list[tuple[str, dict[str, Any]]] = []
    examples: list[tuple[str, str, str]] = []
    for domain in domains:
        realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(selection="first", seed=seed), domain, generator=generator)
        if temperature is not None:
            realiser.settings = domain.generation.model_copy(update={"rephrase_temperature": temperature})
        sampler = ValueSampler(domain, random.Random(seed))
        stats: dict[str, Any] = dict.fromkeys(keys, 0)
        for name, variants in realiser.renderer.responses.items():
            if limit is not None and totals["responses"] + stats["responses"] >= limit:
                break
            variant = next((v for v in variants if not v.spec.channel), None)
            if variant is None:
                continue
            # values are drawn for every response, held out or not, so each model sees the same ones
            values = {v: sampler.sample(v) for v in sorted(set(variant.variables) - set(BUILTIN_VARIABLES))}
            if (domain.name, name) in skip:
                continue
            values.update({k: v for k, v in (variant.spec.condition or {}).items() if isinstance(v, str | int | float) and v != "*"})
            decision = Decision(conversation_id="bench", turn_id=1, acts=(DialogueAct(name=name, slots=values),))
            base, chosen = realiser.renderer.render_act(decision, decision.acts[0])
            if not base.text:
                continue
            used = {k: values[k] for k in (chosen.variables if chosen else ()) if k in values}
            t0 = time.perf_counter()
            candidate = await realiser.rephrase_candidate(base.text)
            stats["seconds"] += time.perf_counter() - t0
            cleaned = guards.clean_generated(candidate)
            verdict = realiser.accept_rephrase(base.text, candidate, used)
            shown = [str(v) for v in used.values() if str(v) and str(v).lower() in base.text.lower()]
            stats["responses"] += 1
            stats["preserved"] += guards.check_preserved(base.text, cleaned, used).ok
            stats["values"] += len(shown)
            stats["values_kept"] += sum(1 for v in shown if v.lower() in cleaned.lower())
            if verdict.ok:
                kept = sum(1 for v in shown if v.lower() in verdict.text.lower())
                stats["accepted"] += 1
                stats["changed"] += _words(verdict.text) != _words(base.text)
                stats["accepted_values"] += len(shown)
                stats["accepted_values_kept"] += kept
                stats["accepted_all_values"] += kept == len(shown)
                if len(examples) < 6 and _words(verdict.text) != _words(base.text):
                    examples.append((name, base.text, cleaned))
        for key in keys:
            totals[key] += stats[key]
        per_pack.append((domain.name, stats))
    return [*per_pack, ("all", totals)], examples


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9]+", text.lower())


# --------------------------------------------------------------------------- act-to-text


def bench_act_to_text(pack: Path, epochs: int, output: Path, max_pairs: int = 100, base_model: str | None = None,
                      lora: int = 0, max_steps: int | None = None, train_threads: int = 1,
                      learning_rate: float | None = None, layers: int = 3, dims: int = 128) -> None:
    """One act-to-text model on ``pack``'s held-out response combinations; a GGUF base is also scored at 4 bits."""
    from dialogue.domain.loader import load_domain
    from dialogue.nlg.act_to_text import CANDIDATES, META_FILE, ActToTextModel
    from dialogue.nlg.finetune.data import build_dataset
    from dialogue.nlg.finetune.train import TrainSettings, train_and_save

    domain = load_domain(pack)
    data = build_dataset(domain, max_pairs=max_pairs, test_fraction=0.15, seed=0)
    # the same settings `dialogue train nlg --base-model` uses for a pretrained model
    settings = TrainSettings(epochs=epochs, base_model=base_model, lora=lora, max_steps=max_steps, threads=train_threads,
                             learning_rate=learning_rate, single_weight=2 if base_model else 6,
                             batch_size=8 if base_model else 16, n_layer=layers, n_embd=dims)
    report = train_and_save(data, output, settings, progress=lambda text, _: print("  " + text, flush=True))
    if base_model:
        model = f"{base_model} (LoRA r{lora}, last {settings.lora_layers} blocks)" if lora else f"{base_model} (full)"
    else:
        model = f"GPT-2 from GPT2Config ({settings.n_layer} layers, {settings.n_embd} dims), byte-level BPE on the domain"
    meta = json.loads((output / META_FILE).read_text(encoding="utf-8"))
    trained = "as trained" if not meta.get("gguf") else f"llama.cpp {meta['runtime']}"
    planned = "act breaks + slot plan (allowed slots only, once each)"
    rows = [(trained, planned, report.bleu, report.slot_error_rate, report.joint_greedy_bleu,
             report.joint_greedy_slot_error_rate, report.joint_bleu, report.joint_slot_error_rate)]
    # the same model and held-out data decoded the other ways, for a fair comparison
    loaded = ActToTextModel.load(output)
    rows[:0] = [(trained, "act breaks only", *_act_to_text_scores(loaded.without_slot_plan(), data.test)),
                (trained, "act breaks, slot plan in reranking only", *_act_to_text_scores(loaded.with_plan_decoding("off"), data.test))]
    rows.append((trained, "act breaks + slot plan (also forcing the slots every wording shows)",
                 *_act_to_text_scores(loaded.with_plan_decoding("full"), data.test)))
    for qtype in [q for q in (meta.get("gguf") or {}) if q != meta.get("runtime")]:
        other = ActToTextModel.load(output, gguf=qtype)  # the other quantisation, scored the same way
        rows.append((f"llama.cpp {qtype}", planned, *_act_to_text_scores(other, data.test)))
    print(f"\n## Act-to-text (SC-GPT recipe) on {pack.name}: {model}\n")
    print(f"{report.n_train} training examples, {report.n_test} held-out combinations, {len(report.losses)} epochs, "
          f"loss {report.losses[0]:.2f} → {report.losses[-1]:.3f}, perplexity {report.perplexity:.2f}, "
          f"train {report.train_seconds:.0f} s, train+eval {report.seconds:.0f} s\n")
    print("Joint: the whole combination in one decode, with act breaks; greedy, then reranked "
          f"(up to {CANDIDATES} texts, the one with the fewest slot mistakes).\n")
    print("Slot plan: each act's text may show only the placeholders its response's training wordings show, "
          "each once (llama.cpp grammar / transformers prefix mask); reranking counts as mistakes those left out that "
          "every wording shows, and decoding forces them too in the last row.\n")
    print("| model file | decoding | BLEU (act by act) | SER (act by act) | BLEU (joint, greedy) | SER (joint, greedy) "
          "| BLEU (joint, reranked) | SER (joint, reranked) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, decoding, *scores in rows:
        bleu, ser, greedy_bleu, greedy_ser, joint_bleu, joint_ser = (0.0 if s is None else s for s in scores)
        print(f"| {name} | {decoding} | {bleu:.1f} | {ser:.2%} | {greedy_bleu:.1f} | {greedy_ser:.2%} | {joint_bleu:.1f} "
              f"| {joint_ser:.2%} |")
    for sample in report.samples[:3]:
        print(f"\n- `{sample['act']}`\n  → {sample['output']}")


def _act_to_text_scores(model: Any, test: list[Any]) -> tuple[float, float, float | None, float | None, float, float]:
    """The table's scores of one model on held-out combinations: act by act, then joint (greedy, reranked)."""
    from dialogue.nlg.finetune.train import evaluate

    by_act, joint = evaluate(model, test, samples=0, per_act=True), evaluate(model, test, samples=0)
    return by_act.bleu, by_act.slot_error_rate, joint.greedy_bleu, joint.greedy_slot_error_rate, joint.bleu, joint.slot_error_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["backends", "rephrase", "act_to_text"], action="append")
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1], help="thread counts to compare (backends)")
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--limit", type=int, default=None, help="at most this many responses to rephrase")
    parser.add_argument("--pack", type=Path, default=ROOT / "domains" / "customer_service")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--max-pairs", type=int, default=100, help="multi-act examples built (act-to-text)")
    parser.add_argument("--base-model", help="act_to_text: fine-tune this model ('embedded': SmolLM2 from its GGUF) "
                        "instead of a GPT-2 from a config")
    parser.add_argument("--lora", type=int, default=0, help="act_to_text: LoRA rank for --base-model (0: every weight)")
    parser.add_argument("--max-steps", type=int, default=None, help="act_to_text: cap on updates")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--layers", type=int, default=3, help="act_to_text: blocks of the GPT-2 built from a config")
    parser.add_argument("--dims", type=int, default=128, help="act_to_text: width of the GPT-2 built from a config")
    parser.add_argument("--train-threads", type=int, default=1, help="torch threads while fine-tuning")
    parser.add_argument("--output", type=Path, default=Path("/tmp/dialogue-bench-act-to-text"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", action="append", default=[],
                        help="a GGUF file (e.g. a fine-tuned model): extra llama.cpp rows (backends); the model that rephrases")
    parser.add_argument("--held-out-from", type=Path, action="append", default=[],
                        help="rephrase: a fine-tuned model's paraphrase.json; its training responses are left out of every row")
    parser.add_argument("--rephrase-temperature", type=float, default=None, help="rephrase: override the packs' setting")
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
        asyncio.run(bench_rephrase(args.limit, min(args.threads), args.seed, [None, *args.model], args.held_out_from,
                                   args.rephrase_temperature))
    if "act_to_text" in parts:
        bench_act_to_text(args.pack, args.epochs, args.output, args.max_pairs, args.base_model, args.lora, args.max_steps,
                          args.train_threads, args.learning_rate, args.layers, args.dims)


if __name__ == "__main__":
    main()
