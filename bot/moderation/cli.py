"""`careerbot kb ... --guild ID`: the operator's side of the moderators' /kb commands.

Same services as Discord; revisions made here have no author (shown as "operator").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.knowledge.yamlsource import DataFileError, parse_yaml
from bot.moderation.layerfile import IMPORT_MAX_BYTES, entry_yaml
from bot.moderation.rules import MAX_GAP_DAYS as MAX_DAYS
from bot.moderation.rules import EditConflict, KnowledgeEditError

if TYPE_CHECKING:  # `careerbot` builds this parser for every command: no database code here
    from bot.moderation.insights import InsightsService
    from bot.moderation.service import Change, ModerationService

EXIT_REJECTED = 1
EXIT_BAD_FILE = 2  # like other usage and configuration errors of `careerbot`
LAYER_COMMANDS = (
    "add",
    "edit",
    "alias",
    "unalias",
    "hide",
    "unhide",
    "remove",
    "show",
    "history",
    "revert",
    "export",
    "import",
    "gaps",
    "stats",
)


def add_layer_commands(kb: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the per-server subcommands under `careerbot kb`."""

    def command(name: str, help_text: str, *, entry: bool = True) -> argparse.ArgumentParser:
        parser = kb.add_parser(name, help=help_text)
        parser.add_argument("--guild", type=int, required=True, help="Discord server id")
        if entry:
            parser.add_argument("id", help="entry id")
        return parser

    for name, help_text in (
        ("add", "add an entry to a server (fields from --file and/or flags)"),
        ("edit", "change an entry's text in a server (only the fields given)"),
    ):
        parser = command(name, help_text, entry=name == "edit")
        parser.add_argument("--file", type=Path, help="YAML or JSON mapping of entry fields")
        if name == "add":
            parser.add_argument("--id", dest="new_id", help="the new entry's id (kebab-case)")
        else:
            parser.add_argument(
                "--if-revision",
                type=int,
                metavar="N",
                help="save only if the entry is still at revision N (see `kb show`); "
                "else print what changed since",
            )
        parser.add_argument("--title")
        parser.add_argument("--category", help="default for new entries: community")
        parser.add_argument("--question", action="append", help="repeat for each question")
        parser.add_argument("--keyword", action="append", help="repeat for each keyword")
        parser.add_argument("--related", action="append", help="repeat for each related id")
        parser.add_argument("--answer", help="Discord markdown; or --answer-file")
        parser.add_argument("--answer-file", type=Path)
    command("alias", "add a question that should find the entry").add_argument("phrase")
    command("unalias", "take back an added question").add_argument("phrase")
    command("hide", "hide an entry in a server")
    command("unhide", "show a hidden entry again")
    command("remove", "delete an entry the server added")
    command("show", "the entry's fields in a server").add_argument("--json", action="store_true")
    history = command("history", "revisions, newest first", entry=False)
    history.add_argument("id", nargs="?", help="one entry (default: all)")
    history.add_argument("--limit", type=int, default=20)
    command("revert", "undo a revision (and later ones) of an entry").add_argument(
        "revision", type=int
    )
    export = command("export", "the server's layer as YAML", entry=False)
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    command("import", "merge a YAML layer file (all or nothing)", entry=False).add_argument(
        "file", help="path, or - for stdin"
    )
    gaps = command("gaps", "unanswered questions, most frequent first", entry=False)
    gaps.add_argument(
        "--days", type=_gap_days, default=30, help=f"the last DAYS days (1-{MAX_DAYS}, default 30)"
    )
    gaps.add_argument("--limit", type=int, default=20)
    command("stats", "most asked topics and votes", entry=False).add_argument(
        "--limit", type=int, default=10
    )


def _gap_days(raw: str) -> int:
    """--days as /kb gaps takes it: a whole number of days from 1 to MAX_DAYS."""
    try:
        days = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of days") from None
    if not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{days} is outside 1-{MAX_DAYS}")
    return days


class LayerServices(Protocol):
    """What the `kb` layer commands use of the application's services."""

    moderation: ModerationService
    insights: InsightsService


class FileProblem(Exception):
    """A file named on the command line can't be used; the message is one line for a human."""


def read_text(path: Path | str, limit: int = IMPORT_MAX_BYTES) -> str:
    """The file as UTF-8 text, or FileProblem('cannot read PATH: reason'). A file larger than
    `limit` bytes is refused after reading just past the limit, as Discord refuses uploads."""
    try:
        with Path(path).open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror or exc}") from None
    return _decoded(data, str(path), limit)


def read_stdin(limit: int = IMPORT_MAX_BYTES) -> str:
    """Standard input as UTF-8 text, refused like a file when larger than `limit` bytes."""
    binary = getattr(sys.stdin, "buffer", None)
    if binary is None:  # a text stream without bytes underneath (tests)
        data = sys.stdin.read(limit + 1).encode("utf-8", "surrogateescape")
    else:
        data = binary.read(limit + 1)
    return _decoded(data, "standard input", limit)


def _decoded(data: bytes, name: str, limit: int) -> str:
    if len(data) > limit:
        raise FileProblem(
            f"cannot read {name}: larger than {limit:,} bytes, the most one import takes "
            "(split it into several files)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"cannot read {name}: not UTF-8 text (byte {exc.start})") from None


def write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FileProblem(f"cannot write {path}: {exc.strerror or exc}") from None


async def run_layer_command(args: argparse.Namespace, services: LayerServices) -> int:
    """Run one `kb` layer command; the caller opens and closes the services."""
    try:
        return await _run(args, services)
    except EditConflict as exc:
        print(f"careerbot: {exc}", file=sys.stderr)  # it says that nothing was saved
        if exc.diff:
            print("saved now (-) and yours (+):", file=sys.stderr)
            print("\n".join(exc.diff), file=sys.stderr)
        return EXIT_REJECTED
    except KnowledgeEditError as exc:
        print(f"careerbot: nothing saved; fix {len(exc.issues)} problem(s):", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    except FileProblem as exc:
        print(f"careerbot: {exc}", file=sys.stderr)
        return EXIT_BAD_FILE


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if args.file is not None:
        try:
            loaded = parse_yaml(read_text(args.file), str(args.file)).data  # JSON is YAML too
        except DataFileError as exc:
            issue = exc.issues[0]
            line = f" (line {issue.line})" if issue.line else ""
            problem = issue.message.removeprefix("invalid YAML: ")
            raise FileProblem(f"{args.file} is not valid YAML or JSON{line}: {problem}") from None
        if not isinstance(loaded, dict):
            raise FileProblem(f"{args.file} must hold a mapping of entry fields")
        fields.update(loaded)
    answer = read_text(args.answer_file) if args.answer_file else args.answer
    flags = {
        "id": getattr(args, "new_id", None),
        "title": args.title,
        "category": args.category,
        "questions": args.question,
        "keywords": args.keyword,
        "related": args.related,
        "answer": answer,
    }
    fields.update({key: value for key, value in flags.items() if value is not None})
    return fields


def _changed(change: Change) -> int:
    state = "hidden" if change.after is not None and change.after.hidden else "visible"
    if change.entry is None and state == "visible":
        state = "gone"
    print(f"{change.action} {change.entry_id}: saved as revision {change.revision_id} ({state})")
    return 0


async def _run(args: argparse.Namespace, services: LayerServices) -> int:
    change = CHANGES.get(args.kb_command)
    if change is not None:
        return _changed(await change(services.moderation, args))
    return await REPORTS[args.kb_command](args, services)


async def _history(args: argparse.Namespace, services: LayerServices) -> int:
    from bot.moderation.text import describe_revision
    moderation = services.moderation
    for revision in await moderation.history(args.guild, args.id, args.limit):
        author = revision.author_id or "operator"
        when = revision.created_at.strftime("%Y-%m-%d %H:%M UTC")
        described = describe_revision(revision, moderation.knowledge.base)
        print(
            f"#{revision.id}  {when}  {author}  {revision.action} {revision.entry_id}: {described}"
        )
    return 0


async def _export(args: argparse.Namespace, services: LayerServices) -> int:
    text = await services.moderation.export(args.guild)
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


async def _import(args: argparse.Namespace, services: LayerServices) -> int:
    from bot.moderation.text import import_counts

    text = read_stdin() if args.file == "-" else read_text(args.file)
    result = await services.moderation.import_yaml(args.guild, text)
    print(f"imported: {import_counts(result)}")
    return 0


async def _gaps(args: argparse.Namespace, services: LayerServices) -> int:
    for gap in await services.insights.gaps(args.guild, args.days, args.limit):
        print(f"{gap.count:>5}  {gap.last_asked:%Y-%m-%d}  {gap.text}")
    return 0


async def _show(args: argparse.Namespace, services: LayerServices) -> int:
    state = await services.moderation.show(args.guild, args.id)
    if args.json:
        data = {
            "origin": str(state.origin),
            "revision": state.revision,
            "hidden": state.hidden,
            "aliases": list(state.aliases),
            "entry": state.text.to_data(),
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    flags = [str(state.origin)] + (["hidden"] if state.hidden else [])
    flags.append(f"revision {state.revision}")
    print(f"# {state.entry_id} ({', '.join(flags)})")
    if state.aliases:
        print("# questions added here: " + "; ".join(state.aliases))
    sys.stdout.write(entry_yaml(state.text.to_data()))
    return 0


async def _stats(args: argparse.Namespace, services: LayerServices) -> int:
    stats = await services.insights.stats(args.guild, args.limit)
    print("Most asked topics:")
    for topic in stats.topics:
        print(f"{topic.asked:>6}  {topic.entry_id}  {topic.title or '(gone)'}")
    print("Votes (helpful / not helpful):")
    for vote in stats.votes:
        title = vote.title or "(gone)"
        print(f"{vote.helpful:>4} / {vote.not_helpful:<4} {vote.entry_id}  {title}")
    return 0


Write = Callable[["ModerationService", argparse.Namespace], Awaitable["Change"]]
Report = Callable[[argparse.Namespace, LayerServices], Awaitable[int]]
CHANGES: dict[str, Write] = {
    "add": lambda moderation, args: moderation.add(args.guild, _fields(args)),
    "edit": lambda moderation, args: moderation.edit(
        args.guild, args.id, _fields(args), if_revision=args.if_revision
    ),
    "alias": lambda moderation, args: moderation.alias(args.guild, args.id, args.phrase),
    "unalias": lambda moderation, args: moderation.unalias(args.guild, args.id, args.phrase),
    "hide": lambda moderation, args: moderation.hide(args.guild, args.id),
    "unhide": lambda moderation, args: moderation.unhide(args.guild, args.id),
    "remove": lambda moderation, args: moderation.remove(args.guild, args.id),
    "revert": lambda moderation, args: moderation.revert(args.guild, args.id, args.revision),
}
REPORTS: dict[str, Report] = {
    "show": _show,
    "history": _history,
    "export": _export,
    "import": _import,
    "gaps": _gaps,
    "stats": _stats,
}
