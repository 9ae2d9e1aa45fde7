"""The terminal chat: the same services as the Discord bot, in a friendly REPL."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.answers.lookup import resolve, search
from bot.answers.text import entry_text, result_text, wrap
from bot.console import Interrupted, read_in_thread, unless_interrupted, watch_interrupts
from bot.db.engine import DatabaseUnavailable
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.matching.engine import Outcome
from bot.ranking import Named, Rules, normalize_key, pick, rank
from bot.roadmap.terminal import register_roadmap_commands
from bot.services import Services

LOCAL_USER_ID = 0  # the one person at the terminal; its questions count as guild 0 (no server)
Handler = Callable[[str], Awaitable[str | None]]  # None: the user leaves
Action = Callable[[], Awaitable[str]]
PICK_HINT = "Type a number to pick one."
NOTHING_TO_PICK = (
    "There is no numbered list to pick from right now. "
    "Type a question, /topics to browse, or /help."
)
DATABASE_DOWN = "Sorry, I can't reach the database right now, so that didn't work ({})."
SUGGESTIONS = 5
# "salary" finds salaries, "cert" certifications, "educaton" education; "cooking" nothing.
CATEGORY_RULES = Rules(min_score=80.0, typo_length=4)


class Choice(NamedTuple):
    """A numbered option in a reply; typing its number runs `action` and shows its reply."""

    label: str
    action: Action


@dataclass(frozen=True)
class ChatCommand:
    handler: Handler
    usage: str
    summary: str


class ChatSession:
    """Turns one line of input into one reply; knows nothing about terminals."""

    def __init__(self, services: Services, user_id: int = LOCAL_USER_ID) -> None:
        self.services = services
        self.user_id = user_id
        self.choices: list[Choice] = []  # what the numbers in the last reply stand for
        self.commands: dict[str, ChatCommand] = {}
        self.register("help", self._help, "/help", "this list")
        self.register("topics", self._topics, "/topics [category]", "browse topics")
        self.register("topic", self._topic, "/topic [ID]", "show one topic (or a few to start)")
        register_roadmap_commands(self)
        self.register("quit", self._quit, "/quit", "leave (Ctrl-D works too)")

    def register(self, name: str, handler: Handler, usage: str, summary: str) -> None:
        self.commands[name] = ChatCommand(handler, usage, summary)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.services.knowledge.base

    def offer(self, choices: Sequence[tuple[str, Action]]) -> str:
        """Make `choices` pickable by number (1, 2, ...) on the next line; the numbered list.

        Numbers stand for the choices of the latest reply only: any other line drops them,
        so a stale number can't pick (or mark) something the user no longer sees.
        """
        self.choices = [Choice(*choice) for choice in choices]
        return "\n".join(f"  {n}. {choice.label}" for n, choice in enumerate(self.choices, 1))

    async def handle(self, line: str) -> str | None:
        """Reply to one line; None means the user wants to leave.

        A database failure is a one-line reply, never the end of the session.
        """
        line = line.strip()
        try:
            if line.isdigit():  # a pick, never a question (nor a knowledge gap)
                return await self._pick(int(line)) if self.choices else NOTHING_TO_PICK
            self.choices = []
            return await self._dispatch(line)
        except DatabaseUnavailable as exc:
            return DATABASE_DOWN.format(exc)

    async def _dispatch(self, line: str) -> str | None:
        if line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            command = self.commands.get(name.lower())
            if command is None:
                return f"Unknown command /{name}. Type /help to see what I can do."
            return await command.handler(argument.strip())
        result = await self.services.ask.ask(line)
        reply = result_text(result, self.knowledge)  # numbers the suggestions, as offer() does
        if result.outcome is Outcome.SUGGEST and result.candidates:
            self.offer([self._entry_choice(c.entry) for c in result.candidates])
            reply += "\n" + PICK_HINT
        return reply

    async def _pick(self, number: int) -> str:
        if len(self.choices) == 1 and number != 1:
            return "There is only one to pick: type 1."
        if not 1 <= number <= len(self.choices):
            return f"Pick a number from 1 to {len(self.choices)}."
        choice = self.choices[number - 1]
        self.choices = []  # the action may offer new ones
        return await choice.action()

    def _entry_choice(self, entry: Entry) -> Choice:
        async def show() -> str:
            return entry_text(entry, self.knowledge)

        return Choice(f"{entry.title} ({entry.id})", show)

    async def _help(self, _: str) -> str:
        lines = ["Type a question in plain words, or one of these commands:"]
        lines += [f"  {c.usage:<28} {c.summary}" for c in self.commands.values()]
        return "\n".join(lines)

    async def _topics(self, typed: str) -> str:
        categories = self.knowledge.categories()
        if not typed:
            listing = ", ".join(f"{name} ({count})" for name, count in categories.items())
            return f"Categories: {listing}\nType /topics CATEGORY to list one."
        category = find_category(categories, typed)
        if category is None:
            return f"No category {typed!r}. Try one of: {', '.join(categories)}."
        entries = self.knowledge.in_category(category)
        listing = self.offer([self._entry_choice(entry) for entry in entries])
        return f"{category}:\n{listing}\nType a number or /topic ID."

    async def _topic(self, typed: str) -> str:
        if not typed:
            popular = await self.services.ask.popular_topics(None, SUGGESTIONS)
            listing = self.offer([self._entry_choice(entry) for entry in popular])
            return f"Which topic? Some to start with:\n{listing}\n{PICK_HINT} (/topics lists all)"
        entry = resolve(self.knowledge, typed)
        if entry is not None:
            return entry_text(entry, self.knowledge)
        close = search(self.knowledge, typed, limit=SUGGESTIONS)
        if not close:
            return f"No topic matches {typed!r}. Use /topics to browse."
        listing = self.offer([self._entry_choice(entry) for entry in close])
        return f"No topic with id {typed!r}. Did you mean:\n{listing}\n{PICK_HINT}"

    async def _quit(self, _: str) -> None:
        return None


def find_category(categories: Iterable[str], typed: str) -> str | None:
    """The category meant by `typed`: singular or plural, a prefix, or a small typo."""
    names = list(categories)
    key = normalize_key(typed)
    forms = (key, f"{key}s", key.removesuffix("s"), f"{key.removesuffix('y')}ies")
    exact = next((form for form in forms if form in names), None)
    if exact is not None:
        return exact
    ranked = rank(names, typed, lambda name: Named(name, (name.replace("-", " "),)), CATEGORY_RULES)
    best = pick(ranked, CATEGORY_RULES.min_score, gap=0.1)
    return best.item if best is not None else None


async def run_chat(services: Services, read_line: Callable[[], str] | None = None) -> None:
    """Read lines until /quit, end of input (Ctrl-D) or Ctrl-C: each leaves at once, cleanly."""
    session = ChatSession(services)
    read = read_line or _read_line
    width = min(shutil.get_terminal_size((100, 20)).columns, 100) - 2
    print(wrap("CareerBot here. Ask about ML careers, or type /help. (/quit to leave)", width))
    with watch_interrupts() as interrupted:
        try:
            while True:
                line = await unless_interrupted(interrupted, read_in_thread(read))
                if line is None:  # Ctrl-D or the end of piped input
                    print()
                    return
                reply = await unless_interrupted(interrupted, session.handle(line))
                if reply is None:
                    print("Bye!")
                    return
                print(wrap(reply, width), end="\n\n", flush=True)
        except Interrupted:
            print("\nBye!")


def _read_line() -> str:
    """One line from the terminal (with a prompt) or from piped input; EOFError at the end."""
    if sys.stdin.isatty():
        return input("you> ")
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line
