"""Start-up benchmark: what the one-shot commands cost against a plain script doing the same work.

- `careerbot kb validate` against a plain `yaml.CSafeLoader` parse of the same files
  (target: at most 4x its CPU);
- `careerbot ask` (lexical and hybrid) against a plain script that parses the same files and
  runs rapidfuzz over the titles, and where its time goes (`careerbot ask --timings`).

Each command runs `--runs` times in a fresh interpreter; the least CPU (user + system) counts,
as the least disturbed by other work on the machine.

Run: `.venv/bin/python benchmarks/startup_bench.py [--runs 7]`
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
QUESTION = "how do I become an ml engineer"

PLAIN_PARSE = f"""
import pathlib, yaml
for path in sorted(pathlib.Path({str(KNOWLEDGE)!r}).rglob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
"""
PLAIN_ASK = f"""
import pathlib, yaml
from rapidfuzz import fuzz, process
titles = []
for path in sorted(pathlib.Path({str(KNOWLEDGE)!r}).glob("*.yaml")):
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    if isinstance(data, list):
        titles += [entry["title"] for entry in data]
print(process.extractOne({QUESTION!r}, titles, scorer=fuzz.WRatio))
"""


def cpu_seconds(argv: list[str], env: dict[str, str], runs: int) -> float:
    """The least CPU time of `runs` runs of `argv` in a fresh process."""
    spent = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent.append(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        )
    return min(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MATCHER": "lexical"}
    env.pop("DATABASE_URL", None)
    careerbot = [sys.executable, "-m", "bot"]

    empty = cpu_seconds([sys.executable, "-c", "pass"], env, args.runs)
    parse = cpu_seconds([sys.executable, "-c", PLAIN_PARSE], env, args.runs)
    validate = cpu_seconds([*careerbot, "kb", "validate"], env, args.runs)
    print(f"empty interpreter:             {empty * 1000:6.0f} ms CPU")
    print(f"plain CSafeLoader parse:       {parse * 1000:6.0f} ms CPU")
    print(
        f"careerbot kb validate:         {validate * 1000:6.0f} ms CPU = "
        f"{validate / parse:.1f}x the plain parse (target 4x)"
    )

    plain = cpu_seconds([sys.executable, "-c", PLAIN_ASK], env, args.runs)
    print(f"plain parse + rapidfuzz:       {plain * 1000:6.0f} ms CPU")
    for matcher in ("lexical", "hybrid"):
        ask_env = {**env, "MATCHER": matcher}
        ask = cpu_seconds([*careerbot, "ask", QUESTION], ask_env, args.runs)
        print(
            f"careerbot ask ({matcher:>7}):       {ask * 1000:6.0f} ms CPU = "
            f"{ask / plain:.1f}x the plain script; where it goes (one run):"
        )
        timings = subprocess.run(
            [*careerbot, "ask", "--timings", QUESTION],
            check=True,
            capture_output=True,
            text=True,
            env=ask_env,
            cwd=ROOT,
        )
        print("\n".join("    " + line for line in timings.stderr.strip().splitlines()))


if __name__ == "__main__":
    main()
