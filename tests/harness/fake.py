"""FakeDiscord: an aiohttp server on 127.0.0.1 with Discord's REST API (the parts a bot uses) and
a websocket gateway, recording every request."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

from . import limits
from .payloads import (
    APP_ID,
    Payload,
    channel_permissions,
    make_dm_channel,
    make_member,
    make_user,
    now_iso,
    snowflake,
)

Args = dict[str, str]
Handler = Callable[["Recorded", Args], Awaitable[web.Response]]
LOADING, EPHEMERAL = 128, 64
MESSAGE_CONTENT = 1 << 15  # the privileged intents, as bits of IDENTIFY's "intents"
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | MESSAGE_CONTENT  # members, presences, content
THREAD_TYPES = (10, 11, 12)
POST_TAGS_MAX = 5  # tags on one forum post


@dataclass
class Recorded:
    """One HTTP request of the bot. `kind` names the route (callback, followup, channel_message,
    edit, sync, ...; "unauthorized" for a wrong token; "unknown" if unhandled); `response` is
    the JSON the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]] = field(default_factory=list)
    kind: str = "unknown"
    status: int = 200
    response: Any = None


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py decodes a body only if Content-Type is exactly "application/json" (no charset).
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _error(message: str, code: int, status: int = 404) -> web.Response:
    return _json({"message": message, "code": code}, status)


def _empty() -> web.Response:
    return web.Response(status=204)


def _missing_permissions() -> web.Response:
    return _error("Missing Permissions", 50013, 403)


class FakeDiscord:
    """REST under /api/v10 and a gateway at /gateway on 127.0.0.1 (random port)."""

    def __init__(
        self,
        *,
        guilds: list[Payload] | None = None,
        bot_user: Payload | None = None,
        application_id: str = APP_ID,
        token: str = "fake-bot-token",
        heartbeat_interval: int = 41250,
        privileged_intents: int = PRIVILEGED_INTENTS,
    ) -> None:
        self.application_id, self.token = application_id, token
        self.bot_user = bot_user or make_user("CareerBot", id=application_id, bot=True)
        self.guilds = list(guilds or [])
        self.heartbeat_interval = heartbeat_interval
        # privileged intents enabled for the app ("Developer Portal"); IDENTIFY asking for others
        # is closed with 4014, as Discord does
        self.privileged_intents = privileged_intents
        self.intents: int | None = None  # what the bot identified with
        self.requests: list[Recorded] = []
        self.gateway_received: list[Payload] = []  # every payload the bot sent on the websocket
        self.commands: dict[str | None, list[Payload]] = {}  # guild id (None: global) -> synced
        self.messages: dict[str, Payload] = {}  # every message the bot created, by id
        self.posted: dict[str, Payload] = {}  # every user message dispatched or added, by id
        self.interactions: dict[str, Payload] = {}  # dispatched interactions, by id
        self.attachments: dict[str, bytes] = {}  # user uploads (add_attachment), by id
        self.channels = {c["id"]: c for g in self.guilds for c in g["channels"]}
        self.users = {m["user"]["id"]: m["user"] for g in self.guilds for m in g["members"]}
        self.users[self.bot_user["id"]] = self.bot_user
        self._originals: dict[str, str] = {}  # interaction token -> original response message id
        self._acked: set[str] = set()
        self._seq = 0
        self._ws: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        api, msg_id = "/api/v10", r"/messages/(?P<mid>@original|\d+)"
        hook = api + r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
        cmds = api + r"/applications/\d+(/guilds/(?P<guild>\d+))?/commands"
        chan = api + r"/channels/(?P<channel>\d+)"
        routes: list[tuple[str, str, str, Handler]] = [
            ("GET", api + r"/gateway(/bot)?", "gateway", self._gateway_info),
            ("GET", api + r"/users/@me", "me", self._static(lambda: self.bot_user)),
            ("GET", api + r"/oauth2/applications/@me", "app_info", self._static(self._app_info)),
            ("GET", api + r"/users/(?P<user>\d+)", "user", self._get_user),
            ("POST", api + r"/users/@me/channels", "dm_channel", self._dm_channel),
            ("PUT", cmds, "sync", self._put_commands),
            ("POST", cmds, "command", self._post_command),
            ("GET", cmds, "commands", self._get_commands),
            (
                "POST",
                api + r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback",
                "callback",
                self._callback,
            ),
            ("POST", hook, "followup", self._followup),
            ("GET", hook + msg_id, "get_message", self._get_message),
            ("PATCH", hook + msg_id, "edit", self._edit),
            ("DELETE", hook + msg_id, "delete", self._delete),
            ("GET", api + r"/attachments/(?P<aid>\d+)/[^/]+", "attachment", self._attachment),
            ("GET", chan, "channel", self._get_channel),
            ("PATCH", chan, "edit_channel", self._edit_channel),
            ("POST", chan + "/messages", "channel_message", self._channel_message),
            ("POST", chan + "/typing", "typing", self._static(None)),
            ("GET", chan + msg_id, "get_message", self._get_message),
            ("PATCH", chan + msg_id, "edit", self._edit),
            ("DELETE", chan + msg_id, "delete", self._delete),
            ("PUT", chan + r"/messages/\d+/reactions/[^/]+/@me", "reaction", self._static(None)),
            ("DELETE", chan + r"/messages/\d+/reactions/.+", "unreaction", self._static(None)),
        ]
        self._routes = [(m, re.compile(p + "$"), k, h) for m, p, k, h in routes]

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._http)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> yarl.URL:
        return yarl.URL(f"ws://127.0.0.1:{self.port}/gateway")

    # ---- what the bot sent -----------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Recorded]:
        return [r for r in self.requests if r.kind == kind]

    @property
    def interaction_responses(self) -> list[Any]:
        return [r.json for r in self.of_kind("callback")]

    @property
    def followups(self) -> list[Any]:
        return [r.json for r in self.of_kind("followup")]

    @property
    def channel_messages(self) -> list[Any]:
        return [r.json for r in self.of_kind("channel_message")]

    @property
    def edits(self) -> list[Any]:
        return [r.json for r in self.of_kind("edit")]

    @property
    def unhandled(self) -> list[Recorded]:
        return self.of_kind("unknown")

    def find_command(self, name: str, guild_id: str | None = None) -> Payload | None:
        """A synced command by name: the guild's own commands first, then global ones."""
        scopes = [guild_id, None] if guild_id else [None]
        cmds = (c for s in scopes for c in self.commands.get(s, []))
        return next((c for c in cmds if c["name"] == name), None)

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], *, timeout: float = 2.0, start: int = 0
    ) -> Recorded:
        """The first request from index `start` on that matches `predicate`, waiting if needed."""

        def match() -> Recorded | None:
            return next((r for r in self.requests[start:] if predicate(r)), None)

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: match() is not None)
        except TimeoutError:
            seen = "".join(f"\n  {r.method} {r.path} -> {r.status}" for r in self.requests[start:])
            msg = f"no matching request in {timeout}s; seen:{seen or ' none'}"
            raise AssertionError(msg) from None
        return match()  # type: ignore[return-value]

    async def notify(self) -> None:
        """Wake up waiters (e.g. after the bot logged an error)."""
        async with self._changed:
            self._changed.notify_all()

    # ---- gateway ---------------------------------------------------------------------------
    async def dispatch(self, event: str, data: Payload) -> int:
        """Send a DISPATCH (op 0) event to the connected bot; returns its sequence number."""
        if self._ws is None or self._ws.closed:
            raise RuntimeError("no gateway connection")
        if event == "INTERACTION_CREATE":
            self.interactions[data["id"]] = data
        if event in ("THREAD_CREATE", "THREAD_UPDATE"):
            stored = {k: v for k, v in data.items() if k != "newly_created"}
            self.channels[data["id"]] = stored
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            self.add_message(data)
            data = self._visible_content(data)
        self._seq += 1
        await self._ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})
        return self._seq

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = self._ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval}})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            self.gateway_received.append(payload)
            op, d = payload["op"], payload.get("d")
            if op == 1:  # heartbeat
                await ws.send_json({"op": 11, "d": None})
            elif op == 2:  # identify
                self.intents = d["intents"]
                if d["intents"] & PRIVILEGED_INTENTS & ~self.privileged_intents:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                await self._ready()
            elif op == 6:  # resume
                await self.dispatch("RESUMED", {})
            elif op == 8:  # request guild members (only with the members intent)
                guild = next(g for g in self.guilds if g["id"] == str(d["guild_id"]))
                await self.dispatch(
                    "GUILD_MEMBERS_CHUNK",
                    {
                        "guild_id": guild["id"],
                        "members": guild["members"],
                        "chunk_index": 0,
                        "chunk_count": 1,
                        "nonce": d.get("nonce"),
                    },
                )
        return ws

    def _visible_content(self, msg: Payload) -> Payload:
        """Without the Message Content intent Discord blanks content, embeds, attachments and
        components, except in DMs, messages that mention the bot and the bot's own messages."""
        if self.intents is None or self.intents & MESSAGE_CONTENT or "guild_id" not in msg:
            return msg
        me = self.bot_user["id"]
        if msg["author"]["id"] == me or any(u["id"] == me for u in msg.get("mentions", [])):
            return msg
        return {**msg, "content": "", "embeds": [], "attachments": [], "components": []}

    async def _ready(self) -> None:
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "session_id": "fake-session",
                "shard": [0, 1],
                "resume_gateway_url": str(self.gateway_url),
                "private_channels": [],
                "guilds": [{"id": g["id"], "unavailable": True} for g in self.guilds],
                "application": {"id": self.application_id, "flags": 0},
            },
        )
        for guild in self.guilds:
            members = guild["members"]
            if all(m["user"]["id"] != self.bot_user["id"] for m in members):
                members = [*members, make_member(self.bot_user)]
            await self.dispatch(
                "GUILD_CREATE", {**guild, "members": members, "member_count": len(members)}
            )

    # ---- HTTP ------------------------------------------------------------------------------
    async def _http(self, request: web.Request) -> web.StreamResponse:
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append((part.filename or "", bytes(await part.read())))  # type: ignore[union-attr]
        elif raw := await request.read():
            body = json.loads(raw)
        rec = Recorded(request.method, request.path, dict(request.query), body, files)
        auth = request.headers.get("Authorization")
        if auth is not None and auth != f"Bot {self.token}":  # Discord: a wrong token gets 401
            rec.kind = "unauthorized"
            resp = _json({"message": "401: Unauthorized", "code": 0}, 401)
        else:
            resp = await self._route(rec, request.method)
        rec.status = resp.status
        is_json = resp.content_type == "application/json" and isinstance(resp.body, bytes)
        rec.response = json.loads(resp.body) if is_json else None
        async with self._changed:
            self.requests.append(rec)
            self._changed.notify_all()
        return resp

    async def _route(self, rec: Recorded, method: str) -> web.Response:
        for method_, pattern, kind, handler in self._routes:
            if method_ == method and (m := pattern.match(rec.path)):
                rec.kind = kind
                if found := self._limit_problems(rec):  # Discord's error shape, one entry each
                    errors = {"_errors": [{"code": "LIMIT", "message": f} for f in found]}
                    return _json(
                        {"message": "Invalid Form Body", "code": 50035, "errors": {"body": errors}},
                        400,
                    )
                return await handler(rec, {k: v for k, v in m.groupdict().items() if v})
        return _error(f"FakeDiscord: unhandled route {method} {rec.path}", 0)

    @staticmethod
    def _limit_problems(rec: Recorded) -> list[str]:
        """Size limits of a message body (see limits.py); Discord answers 400 to a broken one."""
        body = rec.json if isinstance(rec.json, dict) else None
        if rec.kind == "callback" and body is not None:
            body = body.get("data") if body.get("type") in (4, 7) else None
        elif rec.kind not in ("followup", "channel_message", "edit"):
            body = None
        return limits.problems(body)

    def _static(self, value: Callable[[], Any] | None) -> Handler:
        async def handler(rec: Recorded, args: Args) -> web.Response:
            return _json(value()) if value is not None else _empty()

        return handler

    def _app_info(self) -> Payload:
        return {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "flags": 0,
            "verify_key": "0" * 64,
            "owner": make_user("app-owner"),
            "team": None,
        }

    async def _gateway_info(self, rec: Recorded, args: Args) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": str(self.gateway_url), "shards": 1, "session_start_limit": limit})

    async def _get_user(self, rec: Recorded, args: Args) -> web.Response:
        user = self.users.get(args["user"])
        return _json(user) if user else _error("Unknown User", 10013)

    async def _dm_channel(self, rec: Recorded, args: Args) -> web.Response:
        uid = str(rec.json["recipient_id"])
        dms = (c for c in self.channels.values() if c["type"] == 1)
        channel = next((c for c in dms if c["recipients"][0]["id"] == uid), None)
        channel = channel or make_dm_channel(self.users.get(uid) or make_user("user", id=uid))
        self.channels[channel["id"]] = channel
        return _json(channel)

    def add_message(self, message: Payload) -> None:
        """A user's message as Discord stores it, so GET on it works (MESSAGE_CREATE adds it;
        add one directly for a message the bot was never sent, e.g. a post's starter)."""
        self.posted[message["id"]] = message

    def add_attachment(
        self, filename: str, data: bytes, content_type: str = "text/plain"
    ) -> Payload:
        """A file a user uploads (e.g. an attachment option of a slash command), as Discord
        resolves it; its url serves `data` (what discord.py's ``Attachment.read`` fetches)."""
        aid = snowflake()
        self.attachments[aid] = data
        url = f"{self.api_base}/attachments/{aid}/{filename}"
        return {
            "id": aid,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    async def _attachment(self, rec: Recorded, args: Args) -> web.Response:
        data = self.attachments.get(args["aid"])
        if data is None:
            return _error("Unknown Attachment", 10008)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _get_channel(self, rec: Recorded, args: Args) -> web.Response:
        channel = self.channels.get(args["channel"])
        return _json(channel) if channel else _error("Unknown Channel", 10003)

    def bot_permissions(self, channel: Payload) -> discord.Permissions:
        """The bot's permissions in a guild channel or thread (its roles and overwrites)."""
        guild = next(g for g in self.guilds if g["id"] == channel["guild_id"])
        return channel_permissions(guild, channel, self.bot_user["id"])

    async def _edit_channel(self, rec: Recorded, args: Args) -> web.Response:
        """Modify a thread (name, archived, locked, applied_tags), as Discord checks it: Manage
        Threads unless the bot owns it, archived threads only unarchived, tags of the forum."""
        thread = self.channels.get(args["channel"])
        if thread is None:
            return _error("Unknown Channel", 10003)
        if thread["type"] not in THREAD_TYPES:
            return _error("FakeDiscord: only threads can be edited", 0, 400)
        body = rec.json or {}
        meta = thread["thread_metadata"]
        if meta["archived"] and body.get("archived") is not False:
            return _error("Thread is archived", 50083, 400)
        owner = thread["owner_id"] == self.bot_user["id"]
        if not owner and not self.bot_permissions(thread).manage_threads:
            return _missing_permissions()
        if "applied_tags" in body:
            forum = self.channels.get(thread["parent_id"], {})
            known = {t["id"] for t in forum.get("available_tags", [])}
            tags = [str(t) for t in body["applied_tags"]]
            if len(tags) > POST_TAGS_MAX or not set(tags) <= known:
                message = "applied_tags: unknown tag or more than 5"
                return _error(f"Invalid Form Body ({message})", 50035, 400)
            thread["applied_tags"] = tags
        for key in ("archived", "locked", "auto_archive_duration"):
            if key in body:
                meta[key] = body[key]
        if "archived" in body:
            meta["archive_timestamp"] = now_iso()
        if "name" in body:
            thread["name"] = body["name"]
        await self.dispatch("THREAD_UPDATE", thread)
        return _json(thread)

    # ---- application commands --------------------------------------------------------------
    def _store_command(self, data: Payload, guild: str | None, old: Payload | None) -> Payload:
        cmd = {
            "description": "",
            "type": 1,
            "options": [],
            **data,
            "version": snowflake(),
            "application_id": self.application_id,
            "id": old["id"] if old else snowflake(),
        }
        return {**cmd, "guild_id": guild} if guild else cmd

    async def _put_commands(self, rec: Recorded, args: Args) -> web.Response:
        guild = args.get("guild")
        old = {c["name"]: c for c in self.commands.get(guild, [])}
        self.commands[guild] = [self._store_command(c, guild, old.get(c["name"])) for c in rec.json]
        return _json(self.commands[guild])

    async def _post_command(self, rec: Recorded, args: Args) -> web.Response:
        cmds = self.commands.setdefault(args.get("guild"), [])
        old = next((c for c in cmds if c["name"] == rec.json["name"]), None)
        cmd = self._store_command(rec.json, args.get("guild"), old)
        cmds[:] = [*(c for c in cmds if c is not old), cmd]
        return _json(cmd, 200 if old else 201)

    async def _get_commands(self, rec: Recorded, args: Args) -> web.Response:
        return _json(self.commands.get(args.get("guild"), []))

    # ---- messages --------------------------------------------------------------------------
    def _new_message(
        self,
        channel_id: str,
        rec: Recorded,
        body: Payload | None,
        *,
        flags: int = 0,
        type_: int = 0,
        interaction: Payload | None = None,
    ) -> Payload:
        msg: Payload = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": self.bot_user,
            "content": "",
            "embeds": [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "type": type_,
            "flags": flags,
        }
        if guild_id := self.channels.get(channel_id, {}).get("guild_id"):
            msg["guild_id"] = guild_id
        if interaction is not None:
            user = interaction.get("member", {}).get("user") or interaction["user"]
            owners = interaction["authorizing_integration_owners"]
            meta = {
                "id": interaction["id"],
                "type": interaction["type"],
                "user": user,
                "authorizing_integration_owners": owners,
            }
            msg.update(
                webhook_id=self.application_id,
                application_id=self.application_id,
                interaction_metadata=meta,
            )
        self._apply(msg, body, rec.files)
        self.messages[msg["id"]] = msg
        return msg

    def _apply(self, msg: Payload, body: Payload | None, files: list[tuple[str, bytes]]) -> None:
        """Apply a create/edit body the way Discord stores it."""
        body = body or {}
        for key, empty in (("content", ""), ("embeds", []), ("components", []), ("poll", None)):
            if key in body:
                msg[key] = empty if body[key] is None else body[key]
        if "flags" in body:
            msg["flags"] = (msg["flags"] & EPHEMERAL) | (body["flags"] or 0)
        if "attachments" in body or files:
            kept = {str(a.get("id")) for a in body.get("attachments", [])}
            url = self.api_base + "/attachments/"
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in kept] + [
                {
                    "id": snowflake(),
                    "filename": name,
                    "size": len(data),
                    "url": url + name,
                    "proxy_url": url + name,
                }
                for name, data in files
            ]
        if ref := body.get("message_reference"):
            ref = {k: str(v) if k.endswith("_id") else v for k, v in ref.items() if v is not None}
            msg.update(type=19, message_reference={"channel_id": msg["channel_id"], **ref})

    async def _callback(self, rec: Recorded, args: Args) -> web.Response:
        interaction = self.interactions.get(args["iid"])
        if interaction is None or interaction["token"] != args["token"]:
            return _error("Unknown interaction", 10062)
        if interaction["id"] in self._acked:
            return _error("Interaction has already been acknowledged.", 40060, 400)
        self._acked.add(interaction["id"])
        type_, data = rec.json["type"], rec.json.get("data") or {}
        flags = data.get("flags") or 0
        msg: Payload | None = None
        if type_ in (4, 5):  # reply; deferred reply = a "thinking" (loading) message
            msg = self._new_message(
                interaction["channel_id"],
                rec,
                data if type_ == 4 else {},
                type_=20,
                interaction=interaction,
                flags=flags | (LOADING if type_ == 5 else 0),
            )
        elif type_ in (6, 7) and "message" in interaction:  # (deferred) update of clicked message
            msg = self.messages.setdefault(interaction["message"]["id"], interaction["message"])
            if type_ == 7:
                self._apply(msg, data, rec.files)
                msg["edited_timestamp"] = now_iso()
        if msg is not None:
            self._originals[interaction["token"]] = msg["id"]
        if type_ == 8 or "with_response" not in rec.query:
            return _empty()
        info = {
            "id": interaction["id"],
            "type": interaction["type"],
            "activity_instance_id": None,
            "response_message_id": msg and msg["id"],
            "response_message_loading": type_ == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        if type_ == 6:
            return _json({"interaction": info})
        return _json(
            {"interaction": info, "resource": {"type": type_, **({"message": msg} if msg else {})}}
        )

    async def _followup(self, rec: Recorded, args: Args) -> web.Response:
        interaction = next(
            (i for i in self.interactions.values() if i["token"] == args["token"]), None
        )
        if interaction is None:
            return _error("Unknown Webhook", 10015)
        body = rec.json or {}
        original = self.messages.get(self._originals.get(args["token"], ""))
        if original is not None and original["flags"] & LOADING:
            # Discord: the first follow-up after a deferred reply fills in the loading message and
            # keeps the defer's flags (ephemeral or not).
            self._apply(original, {k: v for k, v in body.items() if k != "flags"}, rec.files)
            msg = original
            msg["flags"] &= ~LOADING
        else:
            msg = self._new_message(
                interaction["channel_id"],
                rec,
                body,
                interaction=interaction,
                flags=body.get("flags") or 0,
            )
        return _json(msg) if rec.query.get("wait") in ("1", "true", "True") else _empty()

    def _message_for(self, args: Args) -> Payload | None:
        mid = args["mid"]
        return self.messages.get(
            self._originals.get(args.get("token", ""), "") if mid == "@original" else mid
        )

    async def _get_message(self, rec: Recorded, args: Args) -> web.Response:
        msg = self._message_for(args)
        if msg is None and args.get("channel"):  # a user's message, as the bot may see it
            msg = self.posted.get(args["mid"])
            msg = self._visible_content(msg) if msg else None
        if msg is not None and args.get("channel") not in (None, msg["channel_id"]):
            msg = None
        return _json(msg) if msg else _error("Unknown Message", 10008)

    async def _edit(self, rec: Recorded, args: Args) -> web.Response:
        msg = self._message_for(args)
        if msg is None:
            return _error("Unknown Message", 10008)
        self._apply(msg, rec.json, rec.files)
        msg.update(flags=msg["flags"] & ~LOADING, edited_timestamp=now_iso())
        return _json(msg)

    async def _delete(self, rec: Recorded, args: Args) -> web.Response:
        msg = self._message_for(args)
        if msg is None:
            return _error("Unknown Message", 10008)
        del self.messages[msg["id"]]
        return _empty()

    async def _channel_message(self, rec: Recorded, args: Args) -> web.Response:
        channel = self.channels.get(args["channel"])
        if channel is None:
            return _error("Unknown Channel", 10003)
        if channel["type"] in THREAD_TYPES:  # a thread: its own permission; a post unarchives
            if not self.bot_permissions(channel).send_messages_in_threads:
                return _missing_permissions()
            if channel["thread_metadata"]["archived"]:
                if channel["thread_metadata"]["locked"]:
                    return _missing_permissions()
                channel["thread_metadata"]["archived"] = False
                await self.dispatch("THREAD_UPDATE", channel)
        return _json(self._new_message(args["channel"], rec, rec.json))
