"""Matcher benchmark: lexical, semantic and hybrid side by side, then speed, start-up and memory.

Accuracy is measured on the held-out split of our question sets (never used for fitting), by
question style. Time per question is measured on one thread at the bundled size and with
1,000 and 10,000 synthetic server entries. Start-up is a fresh `careerbot ask` process, from
exec to the printed answer. Run: `.venv/bin/python benchmarks/matcher_bench.py`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import BUNDLED_KNOWLEDGE  # noqa: E402
from bot.knowledge import Entry, KnowledgeBase, load_knowledge  # noqa: E402
from bot.matching import Matcher  # noqa: E402
from bot.matching.evaluation import (  # noqa: E402
    Answers,
    Question,
    SemanticOnly,
    Tally,
    evaluate,
    load_questions,
    split,
)
from bot.matching.semantic import load_semantic  # noqa: E402


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


def big_vocabulary_entries(count: int, words_per_entry: int, seed: int = 11) -> list[Entry]:
    """A server whose entries use made-up words: `count * words_per_entry` distinct terms."""
    rng = random.Random(seed)
    letters = "abcdefghiklmnoprstuvwyz"

    def word() -> str:
        return "".join(rng.choices(letters, k=rng.randint(6, 11)))

    entries = []
    for number in range(count):
        words = [word() for _ in range(words_per_entry)]
        entries.append(
            Entry(
                id=f"vocab-{number}",
                title=" ".join(words[:4]),
                category="community",
                questions=[" ".join(words[i : i + 8]) for i in range(4, words_per_entry, 8)],
                answer="**Synthetic.**",
            )
        )
    return entries


def hostile_long_questions(base: KnowledgeBase) -> None:
    """Issue 11 item 5: 1,000-character questions against 10,000 server entries with a
    450k-word vocabulary; every unknown word could be compared with the whole vocabulary."""
    rng = random.Random(3)
    knowledge = base.replace_entries([*base.entries, *big_vocabulary_entries(10_000, 45)])
    start = time.perf_counter()
    matcher = Matcher(knowledge)
    build = time.perf_counter() - start
    vocabulary = matcher.index.terms.vocabulary_size()
    gibberish = [
        " ".join(
            "".join(rng.choices("qwrtzpsdfghjklxcvbnm", k=rng.randint(6, 10))) for _ in range(120)
        )[:1000]
        for _ in range(40)
    ]
    typos = [
        ("I am switching from accounting, how do I lern machne lerning and statistcs, " * 14)[:1000]
        for _ in range(40)
    ]
    print(
        f"\nlong questions, {len(knowledge)} entries, {vocabulary:,} words (built in {build:.1f} s)"
    )
    for name, questions in (("random words", gibberish), ("typo-heavy", typos)):
        p50, p99 = latencies(matcher, questions)
        print(f"  {name:<13} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms (target p99 < 50 ms)")


def rate(part: int, whole: int) -> str:
    return f"{part / whole:5.1%}" if whole else "    -"


def accuracy_table(matchers: dict[str, Answers], heldout: list[Question]) -> None:
    reports = {name: evaluate(matcher, heldout) for name, matcher in matchers.items()}
    styles = sorted({q.style for q in heldout if q.entry_id})
    names = list(matchers)
    print("held-out accuracy (top-1 = answered with the right topic; wrong = confident wrong)")
    header = "".join(f" | {name:^23}" for name in names)
    print(f"  {'style':<14} {'n':>4}{header}")
    print(f"  {'':<14} {'':>4}" + " | top-1 top-3 wrong".ljust(26) * len(names))

    def row(label: str, pick: Callable[[str], Tally]) -> None:
        cells = []
        for name in names:
            t = pick(name)
            cells.append(
                f" | {rate(t.top1, t.asked)} {rate(t.top3, t.asked)} "
                f"{rate(t.answered_wrong, t.asked)}"
            )
        print(f"  {label:<14} {pick(names[0]).asked:>4}" + "".join(cells))

    for style in styles:
        row(style, lambda name, style=style: reports[name].by_style[style])
    row("all in scope", lambda name: reports[name].in_scope)
    declined = "".join(
        f" | declined {rate(r.out_of_scope.declined, r.out_of_scope.asked)}      "
        for r in reports.values()
    )
    print(f"  {'out of scope':<14} {reports[names[0]].out_of_scope.asked:>4}{declined}")


def latencies(matcher: Matcher, questions: list[str]) -> tuple[float, float]:
    timings = []
    for question in questions:
        start = time.perf_counter()
        matcher.match(question)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def startup() -> dict[str, float]:
    """A fresh process: seconds from exec to the first answer, and its peak resident memory
    (VmHWM: unlike ru_maxrss it does not inherit this big process's peak across exec)."""
    script = (
        "import time; t = time.perf_counter(); "
        "from bot.cli import run_cli; import io, contextlib; "
        "out = io.StringIO(); "
        "with_ = contextlib.redirect_stdout(out); with_.__enter__(); "
        "run_cli(['ask', 'how much do ml engineers make']); with_.__exit__(None, None, None); "
        "hwm = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]; "
        "print(__import__('json').dumps({'seconds': time.perf_counter() - t, "
        "'rss_mb': int(hwm) / 1024}))"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall_seconds"] = time.perf_counter() - start
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0,1000,10000", help="synthetic extra entries")
    parser.add_argument("--skip-vocabulary", action="store_true", help="no 450k-word run")
    args = parser.parse_args()

    base = load_knowledge(BUNDLED_KNOWLEDGE)
    questions = [q for q in load_questions() if q.entry_id is None or q.entry_id in base]
    train, heldout = split(questions, "train"), split(questions, "heldout")
    semantic = load_semantic()
    hybrid = Matcher(base, semantic=semantic)
    matchers: dict[str, Answers] = {
        "lexical": Matcher(base),
        "semantic": SemanticOnly(hybrid).fit(train),
        "hybrid": hybrid,
    }
    accuracy_table(matchers, heldout)

    texts = [q.text for q in heldout]
    print("\ntime per question on one thread (ms)")
    print(f"  {'entries':>8} {'build s':>8} | {'lexical p50/p99':>16} | {'hybrid p50/p99':>16}")
    for extra in (int(size) for size in args.sizes.split(",")):
        knowledge = base.replace_entries([*base.entries, *synthetic_entries(base, extra)])
        start = time.perf_counter()
        server = Matcher(knowledge, semantic=semantic)
        build = time.perf_counter() - start
        lex = latencies(Matcher(knowledge), texts)
        hyb = latencies(server, texts)
        dense_mb = server.dense.nbytes / 2**20 if server.dense else 0.0
        print(
            f"  {len(knowledge):>8} {build:>8.2f} | {lex[0]:>7.2f} {lex[1]:>8.2f} | "
            f"{hyb[0]:>7.2f} {hyb[1]:>8.2f}   (vectors {dense_mb:.1f} MB)"
        )

    if not args.skip_vocabulary:
        hostile_long_questions(base)

    figures = startup()
    print(
        f"\nstart-up, fresh `careerbot ask`: {figures['seconds']:.2f} s to the first answer "
        f"({figures['wall_seconds']:.2f} s wall with interpreter start), "
        f"peak resident memory {figures['rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
