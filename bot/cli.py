"""`careerbot` command line: run, sync, chat, ask, kb, db, mydata.

Each command imports what it needs when it runs: `ask` and `kb validate` load no database
code, no Alembic and no discord.py (tests/ops/test_fast_start.py checks it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError, environment
from bot.knowledge.staleness import DEFAULT_WITHIN_DAYS
from bot.knowledge.yamlsource import DataFileError
from bot.moderation.cli import LAYER_COMMANDS, add_layer_commands

if TYPE_CHECKING:
    from bot.knowledge.base import KnowledgeBase
    from bot.matching.engine import MatchResult

EXIT_INVALID = 1
EXIT_CONFIG = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head`
EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C outside the chat (which leaves with 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="careerbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="the Discord bot with DISCORD_TOKEN, else the terminal chat"
    )
    run.add_argument(
        "--discord", action="store_true", help="the Discord bot only: fail without DISCORD_TOKEN"
    )
    commands.add_parser("sync", help="register the slash commands (DEV_GUILD_ID or global)")
    commands.add_parser("chat", help="talk to CareerBot in this terminal")
    commands.add_parser("doctor", help="which matcher, model, knowledge and database are used")

    ask = commands.add_parser("ask", help="answer a question and exit")
    ask.add_argument("question", help="the question, or - to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument(
        "--timings",
        action="store_true",
        help="print where the time goes (imports, knowledge, index, model, answer) to stderr",
    )

    kb = commands.add_parser("kb", help="knowledge base tools").add_subparsers(
        dest="kb_command", required=True
    )
    validate = kb.add_parser("validate", help="check the knowledge files")
    validate.add_argument("path", nargs="?", type=Path, help="knowledge directory")
    stale = kb.add_parser("stale", help="entries past or near their review_by date")
    stale.add_argument(
        "--within",
        type=_days,
        default=DEFAULT_WITHIN_DAYS,
        metavar="DAYS",
        help=f"also list entries due within DAYS (0-3650, default {DEFAULT_WITHIN_DAYS})",
    )
    dump = kb.add_parser("dump", help="print every entry")
    dump.add_argument("--json", action="store_true", required=True)
    add_layer_commands(kb)  # per-server: add, edit, alias, ... --guild ID

    add_db_commands(commands)  # upgrade, downgrade, current, history

    mydata = commands.add_parser("mydata", help="one user's stored data").add_subparsers(
        dest="mydata_command", required=True
    )
    mydata.add_parser("export", help="print it as JSON").add_argument("user_id", type=int)
    erase = mydata.add_parser("delete", help="delete all of it")
    erase.add_argument("user_id", type=int)
    erase.add_argument("--yes", action="store_true", help="really delete")
    return parser


def _days(raw: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of days") from None
    if not 0 <= days <= 3650:
        raise argparse.ArgumentTypeError(f"{days} is outside 0-3650")
    return days


def add_db_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="database migrations").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="migrate to the newest schema").add_argument(
        "revision", nargs="?", default="head"
    )
    downgrade = db.add_parser("downgrade", help="migrate back to REVISION (base: no tables)")
    downgrade.add_argument("revision", help="a revision id, base, or -N for N steps back")
    downgrade.add_argument("--yes", action="store_true", help="really drop the data")
    db.add_parser("current", help="the database's revision")
    db.add_parser("history", help="every migration, oldest first, the current one marked")


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(run_cli(argv))


def run_cli(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        env = environment()  # the process environment over ./.env
        settings = Settings.from_env(env)
    except SettingsError as exc:
        print(f"careerbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    interactive = args.command != "run" or not settings.discord_token
    quiet = interactive and "LOG_LEVEL" not in env  # keep the chat screen clean
    logging.basicConfig(
        level="WARNING" if quiet else settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code = _dispatch(args, settings)
        sys.stdout.flush()  # so a closed pipe shows up here, not at interpreter exit
        return code
    except BrokenPipeError:  # `careerbot kb dump --json | head`: the reader has enough
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:  # Ctrl-C while starting up or in a one-shot command
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except DataFileError as exc:
        count = len(exc.issues)
        print(
            f"careerbot: the knowledge base is invalid ({count} problem{'s' * (count != 1)}):",
            file=sys.stderr,
        )
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:
        if not _database_unavailable(exc):
            raise
        print(f"careerbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def _database_unavailable(exc: Exception) -> bool:
    """Whether `exc` is bot.db.engine.DatabaseUnavailable, without importing the database
    code for commands that never touch it (if it is not loaded, nothing could raise it)."""
    engine = sys.modules.get("bot.db.engine")
    return engine is not None and isinstance(exc, engine.DatabaseUnavailable)


def _discard_stdout() -> None:
    """Point stdout at the null device, so Python's final flush doesn't complain either."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # stdout is not a real file (tests capture it)
        pass


async def _layer_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.moderation.cli import run_layer_command
    from bot.services import open_services

    services = await open_services(settings)
    try:
        return await run_layer_command(args, services)
    finally:
        await services.close()


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "kb" and args.kb_command not in LAYER_COMMANDS:
        return _kb(args, settings)
    if args.command == "ask":
        return _ask(args, settings)
    if args.command == "doctor":
        return _doctor(settings)
    if args.command == "sync" or (
        args.command == "run" and (settings.discord_token or args.discord)
    ):
        from bot.discord.runner import run_discord

        return run_discord(settings, sync=args.command == "sync")
    import asyncio  # only the commands below use the event loop

    if args.command == "kb":
        return asyncio.run(_layer_command(args, settings))
    if args.command == "db":
        from bot.db.cli import run_db_command

        return asyncio.run(run_db_command(args, settings.database_url))
    if args.command == "mydata":
        return asyncio.run(_mydata(args, settings))
    return asyncio.run(_chat(settings))


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.loader import load_knowledge

    directory = getattr(args, "path", None) or settings.knowledge_dir
    if args.kb_command == "validate":
        return _validate(directory)
    knowledge = load_knowledge(directory)
    if args.kb_command == "stale":
        return _stale(knowledge, args.within)
    fields = ("id", "title", "category", "questions", "keywords", "answer")
    rows = [{name: getattr(entry, name) for name in fields} for entry in knowledge]
    json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _stale(knowledge: KnowledgeBase, within: int) -> int:
    """Entries to fact-check, longest overdue first; exit code 1 when any is overdue."""
    import datetime as dt

    from bot.knowledge.staleness import due_for_review

    due = due_for_review(knowledge, dt.date.today(), within)
    for item in due:
        when = (
            f"overdue by {-item.days_left} days"
            if item.overdue
            else f"due in {item.days_left} days"
        )
        print(f"{item.review_by}  {when:<22} {item.entry.id}  ({item.entry.category})")
    overdue = sum(item.overdue for item in due)
    print(f"{len(due)} entries due within {within} days, {overdue} overdue", file=sys.stderr)
    return EXIT_INVALID if overdue else 0


def _doctor(settings: Settings) -> int:
    """What this installation would answer with, in a few lines (for bug reports)."""
    from bot.answers.sentencemodel import open_semantic
    from bot.db.engine import redact
    from bot.knowledge.loader import load_knowledge
    from bot.matching.engine import Matcher

    knowledge = load_knowledge(settings.knowledge_dir)
    semantic = open_semantic(settings.matcher, settings.embedding_model)
    matcher = Matcher(knowledge, semantic=semantic)
    print(f"matcher:    {matcher.kind}" + ("" if semantic else f" (MATCHER={settings.matcher})"))
    if semantic is not None:
        print(f"model:      {semantic.name} in {semantic.model_dir}")
        print(f"vectors:    {len(semantic.vectors)} cached")
    entries = f"{len(knowledge)} entries, version {knowledge.version}"
    print(f"knowledge:  {settings.knowledge_dir}: {entries}")
    print(f"database:   {redact(settings.database_url)}")
    return 0


def _validate(directory: Path) -> int:
    """Knowledge and roadmap tracks together, so one run lists every problem in both."""
    from bot.content import load_content

    content = load_content(directory)  # DataFileError: printed by run_cli, exit code 1
    knowledge = content.knowledge
    print(
        f"{directory}: OK, {len(knowledge)} entries in {len(knowledge.categories())} categories, "
        f"{len(content.tracks)} roadmap tracks"
    )
    return 0


def result_json(result: MatchResult, matcher: str = "lexical") -> dict[str, object]:
    """The `ask --json` line format."""
    return {
        "matcher": matcher,
        "question": result.question,
        "answer_id": result.entry.id if result.entry else None,
        "outcome": result.outcome.value,
        "confidence": round(max(0.0, min(1.0, result.confidence)), 4),
        "candidates": [
            {"id": c.id, "title": c.title, "score": round(c.score, 4)} for c in result.candidates
        ],
    }


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer the question, or each line of stdin. Bytes that are not UTF-8 (in stdin or in
    the argument) become U+FFFD, so one bad line neither stops the rest nor gets copied into
    the output: every output line is valid UTF-8, and with --json valid JSON."""

    def readable(text: str) -> str:  # undecodable bytes arrive as lone surrogates
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # surrogates that are not escaped bytes
            raw = text.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "replace")

    timings = Timings(enabled=args.timings)
    from bot.answers.sentencemodel import open_semantic
    from bot.answers.text import result_text
    from bot.knowledge.loader import load_knowledge
    from bot.matching.engine import Matcher

    timings.lap("imports")
    knowledge = load_knowledge(settings.knowledge_dir)
    timings.lap("knowledge load")
    semantic = open_semantic(settings.matcher, settings.embedding_model)
    timings.lap("model")
    matcher = Matcher(knowledge, semantic=semantic)
    timings.lap("index")
    binary = getattr(sys.stdin, "buffer", None)  # read bytes: the text layer may be strict
    lines = (raw.decode("utf-8", "replace") for raw in binary) if binary else sys.stdin
    questions = (line.rstrip("\r\n") for line in lines) if args.question == "-" else [args.question]
    for question in map(readable, questions):
        result = matcher.match(question)
        timings.lap("answer")
        if args.json:
            line = result_json(result, matcher.kind)
            print(json.dumps(line, ensure_ascii=False), flush=True)
        else:
            print(result_text(result, knowledge), end="\n\n", flush=True)
        timings.pause()
    timings.report()
    return 0


class Timings:
    """Wall and CPU time per phase of a command, printed to stderr (`ask --timings`).

    "imports" counts from the interpreter's start: Python itself and every module loaded.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.phases: dict[str, tuple[float, float]] = {}
        self._wall = _process_start_wall()
        self._cpu = 0.0

    def lap(self, phase: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        spent_wall, spent_cpu = self.phases.get(phase, (0.0, 0.0))
        self.phases[phase] = (spent_wall + wall - self._wall, spent_cpu + cpu - self._cpu)
        self._wall, self._cpu = wall, cpu

    def pause(self) -> None:
        """Leave printing out of the next phase."""
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def report(self) -> None:
        if not self.enabled:
            return
        total_wall = sum(wall for wall, _ in self.phases.values())
        total_cpu = sum(cpu for _, cpu in self.phases.values())
        for phase, (wall, cpu) in [*self.phases.items(), ("total", (total_wall, total_cpu))]:
            print(
                f"{phase:>15}: {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU",
                file=sys.stderr,
            )


def _process_start_wall() -> float:
    """perf_counter() at the moment this process started (Linux; else the first lap's)."""
    try:
        with open("/proc/self/stat") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as uptime:
            up = float(uptime.read().split()[0])
        return time.perf_counter() - (up - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter()


async def _mydata(args: argparse.Namespace, settings: Settings) -> int:
    """Operator side of /mydata: export prints JSON to stdout; delete needs --yes."""
    from bot.db.engine import create_engine, migrate, session_factory
    from bot.privacy.service import PrivacyService

    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        service = PrivacyService(session_factory(engine))
        if args.mydata_command == "export":
            data = await service.export_user(args.user_id)
            json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
            print()
            return 0
        if not args.yes:
            data = await service.export_user(args.user_id)
            found = ", ".join(
                f"{table} {len(rows)}" for table, rows in data.items() if isinstance(rows, list)
            )
            print(
                f"careerbot: would delete user {args.user_id} ({found}); add --yes", file=sys.stderr
            )
            return EXIT_CONFIG
        counts = await service.delete_user(args.user_id)
    finally:
        await engine.dispose()
    summary = ", ".join(f"{table} {count}" for table, count in counts.items())
    print(f"deleted user {args.user_id}: {summary} (kb_revisions rows are kept, author removed)")
    return 0


async def _chat(settings: Settings) -> int:
    from bot.answers.serving import KnowledgeService, open_semantic
    from bot.chat import run_chat
    from bot.db.engine import redact
    from bot.services import open_services

    semantic = open_semantic(settings.matcher, settings.embedding_model)
    knowledge = KnowledgeService.from_directory(settings.knowledge_dir, semantic)
    print(f"Database: {redact(settings.database_url)}", file=sys.stderr)
    services = await open_services(settings, knowledge=knowledge)
    try:
        await run_chat(services)
    finally:
        await services.close()
    return 0
