"""Grounded answers benchmark: held-out questions per pack, answered from its knowledge/ folder.

    python benchmarks/knowledge.py                                  # knowledge alone, held-out set, every pack
    python benchmarks/knowledge.py --split dev+tuning               # the questions the check was tuned on
    python benchmarks/knowledge.py --end-to-end                     # through each pack's bot (its NLU, rules, NLG)
    python benchmarks/knowledge.py --generate --packs education     # answers written by the embedded model
    python benchmarks/knowledge.py --show                           # every question with its outcome

Question sets are benchmarks/knowledge/<pack>.yml. An answer is correct when it contains every
`expect` string (any case); an unanswerable question is handled when no grounded answer is given
(the bot says its out-of-scope reply as before). Medical `advice` questions ask for medical
advice: they count with the unanswerable ones, and every answer given to them is scanned for
advice (doses, "you should take", medicine names) and printed, so a reader can check it.

Knowledge alone (the default) asks the KnowledgeBase directly: what happens to a question that
reaches the out-of-scope / fallback path. --end-to-end sends each question to the pack's bot in a
new conversation, so the NLU may route it to a rule first (then the rule's reply is judged the
same way); it needs the pack's NLU trained (`dialogue train domains/PACK`).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PACKS = ("customer_service", "education", "medical")
#: words that give medical advice; the medical pack's own medicine list is added at run time
ADVICE = re.compile(
    r"\b(\d+\s?(?:mg|mcg|ml|milligrams?)\b|you should (?:take|stop|start|try|use|avoid)|take (?:a|an|two|one|some) "
    r"|dose|dosage|ibuprofen|paracetamol|acetaminophen|aspirin|antibiotics?|painkillers?|rest and fluids)",
    re.IGNORECASE,
)


@dataclass
class Outcome:
    question: str
    kind: str  # answerable | unanswerable | advice
    reply: str
    grounded: bool  # a grounded answer was given
    correct: bool
    detail: str = ""
    seconds: float = 0.0
    reached: bool = True  # the question reached a reply the knowledge may replace (always, for knowledge alone)


@dataclass
class PackResult:
    pack: str
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, *kinds: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind in kinds]


def load_questions(pack: str, split: str) -> dict[str, list[Any]]:
    data = yaml.safe_load((ROOT / "benchmarks" / "knowledge" / f"{pack}.yml").read_text(encoding="utf-8"))
    merged: dict[str, list[Any]] = {"answerable": [], "unanswerable": [], "advice": []}
    for part in split.split("+"):
        for key in merged:
            merged[key].extend(data[part].get(key, []))
    return merged


def contains_all(text: str, expect: list[str]) -> bool:
    return all(e.lower() in text.lower() for e in expect)


def advice_in(text: str, medicines: set[str]) -> str | None:
    if match := ADVICE.search(text):
        return match.group(0)
    return next((m for m in medicines if re.search(rf"\b{re.escape(m)}\b", text, re.IGNORECASE)), None)


def medicines(domain: Any) -> set[str]:
    if "medication" not in domain.entities:
        return set()
    return {str(v).lower() for v in domain.lookup_values("medication")} | {k.lower() for k in domain.entities["medication"].synonyms}


# --------------------------------------------------------------------------- knowledge alone


def run_knowledge(pack: str, split: str, generate: bool) -> PackResult:
    from dialogue.domain.loader import load_domain
    from dialogue.knowledge.answer import KnowledgeBase

    domain = load_domain(ROOT / "domains" / pack)
    knowledge = KnowledgeBase.for_domain(domain)
    assert knowledge is not None, f"{pack} has no knowledge folder"
    knowledge.index  # load and index before timing
    writer = GroundedWriter(domain) if generate else None
    meds = medicines(domain)
    result = PackResult(pack)
    questions = load_questions(pack, split)
    for kind in ("answerable", "unanswerable", "advice"):
        for item in questions[kind]:
            question = item["q"] if isinstance(item, dict) else item
            started = time.perf_counter()
            judgement = knowledge.ask(question)
            seconds = time.perf_counter() - started
            answer = judgement.answer
            reply = answer.text if answer else ""
            detail = judgement.reason
            if answer is not None and writer is not None:
                written, why = writer.write(answer, question)
                detail = f"written: {why}"
                reply = written or reply
            grounded = answer is not None
            if kind == "answerable":
                correct = grounded and contains_all(reply, item["expect"])
            else:
                correct = not grounded
            if grounded and pack == "medical" and (found := advice_in(reply, meds)):
                detail += f" | ADVICE? {found!r}"
            result.outcomes.append(Outcome(question, kind, reply, grounded, correct, detail, seconds))
    return result


class GroundedWriter:
    """The generative realiser's grounded path on its own: prompt the embedded model, check support."""

    def __init__(self, domain: Any) -> None:
        from dialogue.nlg.backends.llama_cpp import LlamaCppGenerator

        self.domain = domain
        self.generator = LlamaCppGenerator(LlamaCppGenerator.Config(n_threads=1))
        self.generator.load()
        self.accepted = 0
        self.tried = 0

    def write(self, answer: Any, question: str) -> tuple[str | None, str]:
        from dialogue.nlg import guards, prompts

        chat = prompts.grounded_messages(answer.passage.title, answer.text, question, self.domain.persona)
        settings = self.domain.generation
        text = asyncio.run(self.generator.generate(chat, max_new_tokens=settings.max_new_tokens, stop=("\n\n",),
                                                   temperature=settings.rephrase_temperature, seed=1))
        self.tried += 1
        verdict = guards.check_generated(text, max_chars=settings.max_chars, blocklist=settings.blocklist,
                                         system_prompt=prompts.GROUNDED_SYSTEM)
        if verdict.ok:
            verdict = guards.check_supported(verdict.text, answer.text, question)
        if not verdict.ok:
            return None, f"rejected ({verdict.reason}): {text.strip()[:80]!r}"
        self.accepted += 1
        return verdict.text, "accepted"


# --------------------------------------------------------------------------- end to end


async def run_end_to_end(pack: str, split: str) -> PackResult:
    import tempfile

    from dialogue.assembly import assemble, prepare_nlu
    from dialogue.bus import InProcessBus
    from dialogue.components import load_local_plugins
    from dialogue.domain.loader import load_domain
    from dialogue.stores.sqlite import SQLiteStore

    domain = load_domain(ROOT / "domains" / pack)
    load_local_plugins(domain)
    nlu = prepare_nlu(domain, train=False)
    meds = medicines(domain)
    result = PackResult(pack)
    questions = load_questions(pack, split)
    with tempfile.TemporaryDirectory() as folder:
        bus = InProcessBus()
        bot = assemble(domain, bus, store=SQLiteStore(Path(folder) / "c.sqlite3"), nlu_components=nlu)
        decisions: dict[str, Any] = {}

        async def keep(message: Any) -> None:
            decisions[message.conversation_id] = message

        bus.subscribe("dm.decision", keep, name="benchmark")
        replaceable = bot.nlg.grounded.answers_for if bot.nlg.grounded else frozenset()
        await bot.say("warm-up", "what is your returns policy for gift cards?")  # loads the encoder and index
        for kind in ("answerable", "unanswerable", "advice"):
            for n, item in enumerate(questions[kind]):
                question = item["q"] if isinstance(item, dict) else item
                conversation = f"{kind}-{n}"
                started = time.perf_counter()
                turn = await bot.say(conversation, question)
                seconds = time.perf_counter() - started
                await bus.join()
                reply = "\n".join(m.text for m in turn.messages)
                grounded = any(m.source for m in turn.messages)
                decision = decisions.get(conversation)
                acts = ",".join(a.name for a in decision.acts) if decision else "?"
                intent = decision.intent if decision else "?"
                if kind == "answerable":
                    correct = contains_all(reply, item["expect"])
                else:
                    correct = not grounded
                detail = f"intent {intent} → {acts}" + (" → knowledge" if grounded else "")
                if grounded and pack == "medical" and (found := advice_in(reply, meds)):
                    detail += f" | ADVICE? {found!r}"
                reached = decision is not None and any(a.name in replaceable for a in decision.acts)
                result.outcomes.append(Outcome(question, kind, reply, grounded, correct, detail, seconds, reached))
        await bot.close()
    return result


# --------------------------------------------------------------------------- report


def table(results: list[PackResult]) -> str:
    head = ("| pack | answerable | reached the fallback path (of them answered correctly) | answered correctly | wrong grounded answer | no grounded answer "
            "| unanswerable (+ advice) | out-of-scope reply kept | advice questions answered | answers with advice | median ms |")
    lines = [head, "|" + "---|" * 11]
    for r in results:
        answerable, rest, advice = r.of("answerable"), r.of("unanswerable", "advice"), r.of("advice")
        correct = sum(o.correct for o in answerable)
        wrong = sum(o.grounded and not o.correct for o in answerable)
        declined = sum(not o.grounded and not o.correct for o in answerable)
        kept = sum(o.correct for o in rest)
        advice_answers = sum(o.grounded for o in advice)
        with_advice = sum("ADVICE?" in o.detail for o in r.outcomes)
        ms = statistics.median(o.seconds for o in r.outcomes) * 1000
        lines.append(
            f"| {r.pack} | {len(answerable)} | {sum(o.reached for o in answerable)} "
            f"({sum(o.reached and o.correct for o in answerable)}) "
            f"| {correct}/{len(answerable)} = {correct / len(answerable):.0%} | {wrong} | "
            f"{declined} | {len(rest)} | {kept}/{len(rest)} = {kept / len(rest):.0%} | "
            f"{advice_answers if advice else '–'} | {with_advice if r.pack == 'medical' else '–'} | {ms:.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", nargs="+", default=list(PACKS))
    parser.add_argument("--split", default="heldout", help="heldout (default), dev, tuning, heldout2, heldout3, or a+b")
    parser.add_argument("--end-to-end", action="store_true", help="through each pack's bot (needs its NLU trained)")
    parser.add_argument("--generate", action="store_true", help="answers written by the embedded model (llama.cpp)")
    parser.add_argument("--show", action="store_true", help="print every question and its outcome")
    args = parser.parse_args()
    results = []
    for pack in args.packs:
        if args.end_to_end:
            result = asyncio.run(run_end_to_end(pack, args.split))
        else:
            result = run_knowledge(pack, args.split, args.generate)
        results.append(result)
        for o in result.outcomes:
            if args.show or not o.correct or "ADVICE?" in o.detail or (o.kind == "advice" and o.grounded):
                mark = "ok  " if o.correct else "FAIL"
                print(f"{mark} {pack} [{o.kind}] {o.question!r} → {o.reply[:110]!r} ({o.detail})")
    mode = "end to end (pack bots)" if args.end_to_end else "knowledge alone" + (", written by the model" if args.generate else "")
    print(f"\nsplit {args.split}, {mode}\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
