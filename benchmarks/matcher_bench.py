"""Matcher benchmark: accuracy by question style, and time per question against a baseline.

The baseline is plain `rapidfuzz.process.extractOne(question, titles, scorer=WRatio)`.
Both are timed at the bundled size and with 1,000 and 10,000 synthetic extra entries, as a
server's own additions would be. Run: `.venv/bin/python benchmarks/matcher_bench.py`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.config import BUNDLED_KNOWLEDGE
from bot.knowledge import Entry, KnowledgeBase, load_knowledge
from bot.matching import Matcher

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "questions.yaml"


def synthetic_entries(base: KnowledgeBase, count: int, seed: int = 7) -> list[Entry]:
    """Entries shaped like moderators' additions: words from the base plus made-up names."""
    rng = random.Random(seed)
    words = sorted({w for e in base for q in e.questions for w in q.split() if len(w) > 3})
    invented = [
        "".join(rng.choices("bcdfghklmnprstvz", k=3)) + rng.choice(["ix", "on", "ara"])
        for _ in range(2000)
    ]
    entries = []
    for number in range(count):
        topic = " ".join([*rng.sample(words, 2), rng.choice(invented)])
        entries.append(
            Entry(
                id=f"synthetic-{number}",
                title=f"About {topic}"[:100],
                category="community",
                questions=[
                    f"{rng.choice(['what is', 'how do i', 'tell me about'])} {topic}",
                    " ".join(rng.sample(words, 4)),
                ],
                keywords=[rng.choice(invented), rng.choice(words)],
                answer="**Synthetic.**",
            )
        )
    return entries


def accuracy_by_style(matcher: Matcher, data: dict) -> None:
    right, total = Counter(), Counter()
    for item in data["in_scope"]:
        total[item["style"]] += 1
        entry = matcher.match(item["q"]).entry
        right[item["style"]] += entry is not None and entry.id == item["id"]
    print("top-1 accuracy by style (answered confidently with the right topic):")
    for style in sorted(total):
        print(
            f"  {style:<13} {right[style]:>3}/{total[style]:<3} {right[style] / total[style]:6.1%}"
        )
    overall = sum(right.values()) / sum(total.values())
    print(f"  {'overall':<13} {sum(right.values()):>3}/{sum(total.values()):<3} {overall:6.1%}")
    silent = sum(matcher.match(item["q"]).entry is None for item in data["out_of_scope"])
    share = silent / len(data["out_of_scope"])
    print(f"  out of scope with no answer: {silent}/{len(data['out_of_scope'])} {share:.1%}")


def per_question_ms(function, questions: list[str], repeat: int) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        for question in questions:
            function(question)
        timings.append((time.perf_counter() - start) / len(questions) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0,1000,10000", help="synthetic extra entries")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    base = load_knowledge(BUNDLED_KNOWLEDGE)
    data = yaml.safe_load(QUESTIONS.read_text())
    questions = [item["q"] for item in data["in_scope"] + data["out_of_scope"]]
    accuracy_by_style(Matcher(base), data)

    print("\ntime per question (median of runs, ms):")
    print(f"  {'entries':>8} {'build s':>8} {'engine':>8} {'baseline':>9} {'ratio':>6}")
    first = None
    for extra in (int(size) for size in args.sizes.split(",")):
        knowledge = base.replace_entries([*base.entries, *synthetic_entries(base, extra)])
        start = time.perf_counter()
        matcher = Matcher(knowledge)
        build = time.perf_counter() - start
        titles = [entry.title for entry in knowledge]
        engine = per_question_ms(matcher.match, questions, args.repeat)
        baseline = per_question_ms(
            lambda q, t=titles: process.extractOne(q, t, scorer=fuzz.WRatio), questions, args.repeat
        )
        first = first or engine
        print(
            f"  {len(knowledge):>8} {build:>8.2f} {engine:>8.3f} {baseline:>9.3f} "
            f"{engine / baseline:>6.1f}  (engine x{engine / first:.1f} of bundled)"
        )


if __name__ == "__main__":
    main()
