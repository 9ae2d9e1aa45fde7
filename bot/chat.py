"""The terminal chat: the same services as the Discord bot, in a friendly REPL."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.knowledge.models import Entry
from bot.matching.engine import Outcome
from bot.roadmap.chat_commands import register_roadmap_commands
from bot.services import Services
from bot.textformat import entry_text, result_text, wrap

LOCAL_USER_ID = 0  # the one person at the terminal
Handler = Callable[[str], Awaitable[str]]


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
        self.choices: list[Entry] = []
        self.commands: dict[str, ChatCommand] = {}
        self.register("help", self._help, "/help", "this list")
        self.register("topics", self._topics, "/topics [category]", "browse topics")
        self.register("topic", self._topic, "/topic ID", "show one topic")
        register_roadmap_commands(self)
        self.register("quit", self._quit, "/quit", "leave (Ctrl-D works too)")

    def register(self, name: str, handler: Handler, usage: str, summary: str) -> None:
        self.commands[name] = ChatCommand(handler, usage, summary)

    @property
    def knowledge(self):  # type: ignore[no-untyped-def]
        return self.services.knowledge.base

    async def handle(self, line: str) -> str | None:
        """Reply to one line; None means the user wants to leave."""
        line = line.strip()
        if line.isdigit() and self.choices:
            return self._pick(int(line))
        if line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            command = self.commands.get(name.lower())
            if command is None:
                return f"Unknown command /{name}. Type /help to see what I can do."
            return await command.handler(argument.strip())
        result = await self.services.ask.ask(line)
        self.choices = (
            [c.entry for c in result.candidates] if result.outcome is Outcome.SUGGEST else []
        )
        reply = result_text(result, self.knowledge)
        if self.choices:
            reply += "\nType a number to pick one."
        return reply

    def _pick(self, number: int) -> str:
        if not 1 <= number <= len(self.choices):
            return f"Pick a number from 1 to {len(self.choices)}."
        entry = self.choices[number - 1]
        self.choices = []
        return entry_text(entry, self.knowledge)

    async def _help(self, _: str) -> str:
        lines = ["Type a question in plain words, or one of these commands:"]
        lines += [f"  {c.usage:<28} {c.summary}" for c in self.commands.values()]
        return "\n".join(lines)

    async def _topics(self, category: str) -> str:
        categories = self.knowledge.categories()
        if not category:
            listing = ", ".join(f"{name} ({count})" for name, count in categories.items())
            return f"Categories: {listing}\nType /topics CATEGORY to list one."
        if category.lower() not in categories:
            return f"No category {category!r}. Try one of: {', '.join(categories)}."
        entries = self.knowledge.in_category(category.lower())
        self.choices = entries
        listing = "\n".join(f"  {n}. {e.title} ({e.id})" for n, e in enumerate(entries, 1))
        return f"{category.lower()}:\n{listing}\nType a number or /topic ID."

    async def _topic(self, entry_id: str) -> str:
        entry = self.knowledge.get(entry_id.lower())
        if entry is None:
            return f"No topic with id {entry_id!r}. Use /topics to browse."
        return entry_text(entry, self.knowledge)

    async def _quit(self, _: str) -> str | None:  # type: ignore[override]
        return None  # type: ignore[return-value]


async def run_chat(services: Services) -> None:
    """Read from stdin until /quit or end of input."""
    session = ChatSession(services)
    width = min(shutil.get_terminal_size((100, 20)).columns, 100) - 2
    print(wrap("CareerBot here. Ask about ML careers, or type /help. (/quit to leave)", width))
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, _read_line)
        except (EOFError, KeyboardInterrupt):
            print()
            return
        reply = await session.handle(line)
        if reply is None:
            print("Bye!")
            return
        print(wrap(reply, width), end="\n\n", flush=True)


def _read_line() -> str:
    if sys.stdin.isatty():
        return input("you> ")
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line
