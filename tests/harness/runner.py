"""Run an unmodified discord.py client against FakeDiscord and act on it like users would."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import discord
from discord.gateway import DiscordWebSocket
from discord.http import Route

from . import payloads as p
from .fake import FakeDiscord, Recorded
from .payloads import Payload

_CHANNEL_PATH = re.compile(r"/channels/(\d+)(/|$)")
# names of the tasks discord.py 2.7 runs handlers in: app commands, views, modals, events
_HANDLER_TASKS = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-modal-dispatch",
    "discord-ui-dynamic-item",
    "discord.py: ",
)


@contextlib.contextmanager
def redirect_discord(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base URL and default gateway at `fake`; restore them afterwards."""
    old = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = fake.api_base, fake.gateway_url
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old


class _ErrorLog(logging.Handler):
    """Collects discord.py's "Ignoring exception in ..." records; waits fail fast on them."""

    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(logging.ERROR)
        self.fake = fake
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        with contextlib.suppress(RuntimeError):  # no running loop (another thread): no waiter
            asyncio.get_running_loop().create_task(self.fake.notify())


@dataclass
class Exchange:
    """The bot's reaction to one dispatched event (an interaction or a message)."""

    fake: FakeDiscord
    payload: Payload  # the dispatched INTERACTION_CREATE / MESSAGE_CREATE data
    start: int  # len(fake.requests) at dispatch time
    errors: list[logging.LogRecord] = field(default_factory=list)  # shared, growing

    def __post_init__(self) -> None:
        self._n_errors = len(self.errors)

    def _related(self, r: Recorded) -> bool:
        token, m = self.payload.get("token"), _CHANNEL_PATH.search(r.path)
        return bool(token and token in r.path) or bool(m and m[1] == self.payload["channel_id"])

    @property
    def requests(self) -> list[Recorded]:
        """Requests since the dispatch that use this interaction's token or its channel."""
        return [r for r in self.fake.requests[self.start :] if self._related(r)]

    def bodies(self, kind: str) -> list[Any]:
        return [r.json for r in self.requests if r.kind == kind]

    @property
    def response(self) -> Payload | None:
        """The interaction callback body, e.g. {"type": 4, "data": {...}}."""
        return next(iter(self.bodies("callback")), None)

    @property
    def followups(self) -> list[Payload]:
        return self.bodies("followup")

    @property
    def edits(self) -> list[Payload]:
        return self.bodies("edit")

    @property
    def messages(self) -> list[Payload]:
        """Bodies of messages the bot posted to the channel (e.g. replies to a message)."""
        return self.bodies("channel_message")

    async def wait(self, kind: str = "callback", n: int = 1, timeout: float = 2.0) -> Recorded:
        """Wait for the n-th related request of `kind`. Fails at once if the bot logs an
        exception meanwhile, or after `timeout`; the failure lists requests and bot errors."""

        def found() -> list[Recorded]:
            return [r for r in self.requests if r.kind == kind]

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), self.fake._changed:
                await self.fake._changed.wait_for(
                    lambda: len(found()) >= n or len(self.errors) > self._n_errors
                )
        if len(found()) >= n:
            return found()[n - 1]
        seen = "".join(f"\n  {r.method} {r.path} -> {r.status}" for r in self.requests)
        errs = "".join(
            f"\n  {e.getMessage()}: {e.exc_info[1]!r}"
            for e in self.errors[self._n_errors :]
            if e.exc_info
        )
        raise AssertionError(
            f"no {kind} #{n} from the bot; related requests:{seen or ' none'}"
            f"\nbot errors:{errs or ' none'}"
        )


class BotHarness:
    """Yielded by run_bot: `fake`, `bot`, `guild` (first guild dict), `user` (default actor)."""

    def __init__(
        self, fake: FakeDiscord, bot: discord.Client, user: Payload, errors: list[logging.LogRecord]
    ) -> None:
        self.fake, self.bot, self.user, self.errors = fake, bot, user, errors
        self.guild: Payload | None = fake.guilds[0] if fake.guilds else None

    async def settle(self, timeout: float = 2.0) -> None:
        """Wait until the bot has received every dispatched event and finished its handlers
        (app commands, view/modal callbacks, on_* events) -- e.g. before asserting bot state."""
        async with asyncio.timeout(timeout):
            while self._sequence() < self.fake._seq:
                await asyncio.sleep(0.001)
            me = asyncio.current_task()
            while busy := [
                t
                for t in asyncio.all_tasks()
                if t is not me and not t.done() and t.get_name().startswith(_HANDLER_TASKS)
            ]:
                await asyncio.wait(busy)

    def _sequence(self) -> int:
        """The last gateway sequence the bot received (an AutoShardedClient keeps its
        websockets on its shards, not on `bot.ws`)."""
        shards = getattr(self.bot, "shards", None) or {}
        sockets = [s._parent.ws for s in shards.values()] if shards else [self.bot.ws]
        return max((ws.sequence or 0 for ws in sockets if ws is not None), default=0)

    def _where(self, guild: Payload | None, dm: bool) -> Payload | None:
        return None if dm else guild or self.guild

    def command(self, name: str, guild: Payload | None) -> Payload | None:
        """A command's definition: as synced to the fake, else from the bot's (unsynced) tree."""
        found = self.fake.find_command(name, guild and guild["id"])
        tree: discord.app_commands.CommandTree | None = getattr(self.bot, "tree", None)
        if found is None and tree is not None:
            scope = discord.Object(int(guild["id"])) if guild else None
            cmd = tree.get_command(name, guild=scope) or tree.get_command(name)
            found = {**cmd.to_dict(tree), "id": p.snowflake()} if cmd else None
        return found

    async def _interact(self, payload: Payload, wait: bool) -> Exchange:
        ex = Exchange(self.fake, payload, len(self.fake.requests), self.errors)
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        if wait:
            await ex.wait("callback")
        return ex

    async def slash(
        self,
        name: str,
        /,
        *,
        user: Payload | None = None,
        guild: Payload | None = None,
        dm: bool = False,
        channel: Payload | None = None,
        subcommand: str | None = None,
        permissions: str | None = None,
        wait: bool = True,
        values: dict[str, Any] | None = None,
        **options: Any,
    ) -> Exchange:
        """Run `/name [subcommand] option=value ...`; waits for the interaction callback.
        Options named like a keyword here (e.g. an option "channel") go in `values`."""
        g = self._where(guild, dm)
        payload = p.make_slash_interaction(
            name,
            {**options, **(values or {})},
            user=user or self.user,
            guild=g,
            channel=channel,
            subcommand=subcommand,
            command=self.command(name, g),
            permissions=permissions,
            application_id=self.fake.application_id,
        )
        return await self._interact(payload, wait)

    async def autocomplete(
        self,
        name: str,
        focused: str,
        /,
        *,
        user: Payload | None = None,
        guild: Payload | None = None,
        dm: bool = False,
        subcommand: str | None = None,
        **options: Any,
    ) -> list[Payload]:
        """Type `options[focused]` into option `focused` of /name; returns the offered choices."""
        g = self._where(guild, dm)
        payload = p.make_autocomplete_interaction(
            name,
            focused,
            options,
            user=user or self.user,
            guild=g,
            subcommand=subcommand,
            command=self.command(name, g),
            application_id=self.fake.application_id,
        )
        ex = await self._interact(payload, True)
        assert ex.response is not None and ex.response["type"] == 8, ex.response
        return ex.response["data"]["choices"]

    def last_message_with(self, custom_id: str) -> Payload:
        """The newest message the bot created that has a component with `custom_id`."""

        def ids(components: list[Payload]) -> Iterator[str]:
            for c in components:
                if "custom_id" in c:
                    yield c["custom_id"]
                yield from ids([*c.get("components", []), *filter(None, [c.get("accessory")])])

        for msg in reversed(self.fake.messages.values()):
            if custom_id in ids(msg["components"]):
                return msg
        raise AssertionError(f"no message of the bot has a component {custom_id!r}")

    async def click(
        self,
        custom_id: str,
        *,
        on_message: Payload | str | None = None,
        user: Payload | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        wait: bool = True,
    ) -> Exchange:
        """Click a button (or pick `values` in a select) on `on_message` (a message dict or id;
        default: the bot's newest message with that custom_id)."""
        msg = self.fake.messages[on_message] if isinstance(on_message, str) else on_message
        msg = msg or self.last_message_with(custom_id)
        guild = next((g for g in self.fake.guilds if g["id"] == msg.get("guild_id")), None)
        payload = p.make_component_interaction(
            custom_id,
            msg,
            component_type,
            values,
            user=user or self.user,
            guild=guild,
            channel=self.fake.channels.get(msg["channel_id"]) if guild else None,
            application_id=self.fake.application_id,
        )
        return await self._interact(payload, wait)

    async def submit_modal(
        self,
        fields: dict[str, Any],
        *,
        custom_id: str | None = None,
        user: Payload | None = None,
        guild: Payload | None = None,
        dm: bool = False,
        wait: bool = True,
    ) -> Exchange:
        """Submit the modal the bot opened last (or the one with `custom_id`), its layout
        mirrored, with `fields` = {input custom_id: text, or list of values for a select}."""
        opened = [r.json["data"] for r in self.fake.of_kind("callback") if r.json["type"] == 9]
        modal = next((m for m in reversed(opened) if custom_id in (None, m["custom_id"])), None)
        if modal is None and custom_id is None:
            raise AssertionError("the bot has not opened a modal")
        payload = p.make_modal_submit(
            custom_id or modal["custom_id"],
            fields,
            user=user or self.user,  # type: ignore[index]
            guild=self._where(guild, dm),
            modal=modal,
            application_id=self.fake.application_id,
        )
        return await self._interact(payload, wait)

    async def send_message(
        self,
        content: str,
        *,
        user: Payload | None = None,
        guild: Payload | None = None,
        dm: bool = False,
        channel: Payload | None = None,
    ) -> Exchange:
        """Post a user message (MESSAGE_CREATE; `<@id>` of known users become mentions).
        Await the bot's answer with `await ex.wait("channel_message")`."""
        user, g = user or self.user, self._where(guild, dm)
        channel = channel or (g["channels"][0] if g else p.make_dm_channel(user))
        self.fake.channels.setdefault(channel["id"], channel)
        msg = p.make_message(
            content, user, channel, guild=g, known_users=list(self.fake.users.values())
        )
        ex = Exchange(self.fake, msg, len(self.fake.requests), self.errors)
        await self.fake.dispatch("MESSAGE_CREATE", msg)
        return ex

    async def open_post(
        self,
        title: str,
        content: str = "",
        *,
        forum: Payload | None = None,
        user: Payload | None = None,
        guild: Payload | None = None,
        tags: list[Payload] | None = None,
        attachments: list[Payload] | None = None,
        starter: bool = True,
        opened_at: datetime | None = None,
    ) -> Exchange:
        """Open a forum post as Discord announces it: THREAD_CREATE (``newly_created``) for
        the thread titled `title`, then MESSAGE_CREATE for its starter message (same id as the
        thread; `starter=False` leaves it out of the cache, GET still finds it). `forum`:
        default the guild's first forum; `opened_at` backdates the ids. The Exchange's payload
        is the starter message: ``await ex.wait("channel_message")`` waits for a post in it."""
        user, g = user or self.user, guild or self.guild
        assert g is not None, "forum posts live in a guild"
        forum = forum or next(c for c in g["channels"] if c["type"] == 15)
        thread = p.make_thread(
            forum,
            user,
            title,
            guild_id=g["id"],
            applied_tags=[tag["id"] for tag in tags or []],
            id=p.snowflake(opened_at),
        )
        message = p.make_message(
            content,
            user,
            thread,
            guild=g,
            known_users=list(self.fake.users.values()),
            attachments=attachments,
            id=thread["id"],
        )
        self.fake.add_message(message)
        ex = Exchange(self.fake, message, len(self.fake.requests), self.errors)
        await self.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        if starter:
            await self.fake.dispatch("MESSAGE_CREATE", message)
        return ex


@contextlib.asynccontextmanager
async def run_bot(
    bot: discord.Client | Callable[[], discord.Client],
    *,
    guilds: list[Payload] | None = None,
    user: Payload | None = None,
    guild_ready_timeout: float = 0.02,
    strict: bool = True,
    startup_timeout: float = 5.0,
) -> AsyncIterator[BotHarness]:
    """Start FakeDiscord, run `bot` (or `bot()`) through its own `start(token)` until ready,
    yield a BotHarness, then close the bot. Default: one guild with members "owner" and `user`
    (default "alice", who acts in the helpers). `strict`: calls to unhandled routes fail."""
    user = user or p.make_user("alice")
    guilds = [p.make_guild(members=[user])] if guilds is None else guilds
    async with FakeDiscord(guilds=guilds) as fake:
        errors = _ErrorLog(fake)
        logging.getLogger("discord").addHandler(errors)
        with redirect_discord(fake):
            client = bot if isinstance(bot, discord.Client) else bot()
            client._connection.guild_ready_timeout = guild_ready_timeout
            task = asyncio.create_task(client.start(fake.token), name="harness-bot")
            while client._ready is discord.utils.MISSING and not task.done():  # set by login()
                await asyncio.sleep(0)
            ready = asyncio.create_task(client.wait_until_ready())
            harness: BotHarness | None = None
            try:
                done, _ = await asyncio.wait(
                    {task, ready}, timeout=startup_timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if task in done:
                    task.result()  # re-raises a startup failure
                    raise AssertionError("the bot stopped during startup")
                if ready not in done:
                    raise AssertionError(f"the bot was not ready after {startup_timeout}s")
                harness = BotHarness(fake, client, user, errors.records)
                yield harness
            finally:
                if harness is not None:  # let handlers finish (e.g. a DB write after replying)
                    with contextlib.suppress(TimeoutError):
                        await harness.settle(timeout=1.0)
                ready.cancel()
                await client.close()
                with contextlib.suppress(
                    asyncio.CancelledError, TimeoutError, discord.ConnectionClosed
                ):
                    await asyncio.wait_for(task, timeout=5)
                logging.getLogger("discord").removeHandler(errors)
    if strict and fake.unhandled:
        routes = ", ".join(f"{r.method} {r.path}" for r in fake.unhandled)
        raise AssertionError(f"the bot called routes FakeDiscord does not handle: {routes}")
