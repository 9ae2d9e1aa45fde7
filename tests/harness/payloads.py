"""Builders for what Discord sends to a bot (gateway payloads), in the shape discord.py 2.7 parses.

Ids are strings, as Discord sends them. Users, members, roles, channels and guilds are plain dicts.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import time
from datetime import UTC, datetime
from typing import Any

import discord

Payload = dict[str, Any]

APP_ID = "900000000000000001"  # the application id, and the bot user's id
ALL_PERMISSIONS = str(discord.Permissions.all().value)
EVERYONE_PERMISSIONS = str(
    discord.Permissions(
        view_channel=True,
        send_messages=True,
        read_message_history=True,
        add_reactions=True,
        embed_links=True,
        attach_files=True,
        use_application_commands=True,
    ).value
)
_ADMIN = discord.Permissions(administrator=True).value
_THREAD_TYPES = (10, 11, 12)  # announcement, public and private threads
_counter = itertools.count(1)
_MENTION = re.compile(r"<@!?(\d+)>")


def snowflake(at: datetime | None = None) -> str:
    """A fresh, increasing snowflake id; with `at`, one made at that (aware) time."""
    millis = int((at.timestamp() if at else time.time()) * 1000)
    return str(((millis - 1420070400000) << 22) | (next(_counter) & 0x3FFFFF))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def make_user(name: str = "alice", *, id: str | None = None, bot: bool = False) -> Payload:
    return {
        "id": id or snowflake(),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def make_role(
    name: str, *, permissions: int | str = 0, id: str | None = None, position: int = 1
) -> Payload:
    return {
        "id": id or snowflake(),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }


def make_channel(
    name: str = "general",
    *,
    type: int = 0,
    id: str | None = None,
    position: int = 0,
    overwrites: list[Payload] | None = None,
) -> Payload:
    return {
        "id": id or snowflake(),
        "name": name,
        "type": type,
        "position": position,
        "permission_overwrites": overwrites or [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
    }


def make_overwrite(
    target: Payload,
    *,
    allow: discord.Permissions | None = None,
    deny: discord.Permissions | None = None,
) -> Payload:
    """A channel permission overwrite for a role (or @everyone: the guild's id) or a member
    (a user dict)."""
    return {
        "id": target["id"],
        "type": 1 if "username" in target else 0,
        "allow": str(allow.value if allow else 0),
        "deny": str(deny.value if deny else 0),
    }


def make_tag(name: str, *, id: str | None = None, moderated: bool = False) -> Payload:
    """A forum tag, as a forum channel's available_tags lists it."""
    return {
        "id": id or snowflake(),
        "name": name,
        "moderated": moderated,
        "emoji_id": None,
        "emoji_name": None,
    }


def make_forum_channel(
    name: str = "help",
    *,
    tags: list[Payload] | None = None,
    id: str | None = None,
    position: int = 0,
    overwrites: list[Payload] | None = None,
) -> Payload:
    """A forum channel (type 15) whose posts may carry `tags`; put it in make_guild(channels)."""
    return {
        **make_channel(name, type=15, id=id, position=position, overwrites=overwrites),
        "available_tags": tags or [],
        "default_reaction_emoji": None,
        "default_sort_order": None,
        "default_forum_layout": 0,
        "default_thread_rate_limit_per_user": 0,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }


def make_thread(
    parent: Payload,
    owner: Payload,
    name: str,
    *,
    guild_id: str,
    applied_tags: list[str] | None = None,
    id: str | None = None,
) -> Payload:
    """A public thread of `parent`: for a forum, a post titled `name` (its starter message has
    the thread's id). As THREAD_CREATE sends it, without "newly_created"."""
    tid = id or snowflake()
    created = datetime.fromtimestamp(((int(tid) >> 22) + 1420070400000) / 1000, UTC)
    return {
        "id": tid,
        "guild_id": guild_id,
        "parent_id": parent["id"],
        "owner_id": owner["id"],
        "name": name,
        "type": 11,
        "last_message_id": tid,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "applied_tags": list(applied_tags or []),
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 4320,
            "archive_timestamp": created.isoformat(),
            "locked": False,
            "create_timestamp": created.isoformat(),
        },
    }


def make_dm_channel(user: Payload, *, id: str | None = None) -> Payload:
    return {"id": id or snowflake(), "type": 1, "recipients": [user], "last_message_id": None}


def make_member(
    user: Payload, *, roles: list[str] | None = None, nick: str | None = None
) -> Payload:
    return {
        "user": user,
        "roles": roles or [],
        "nick": nick,
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
    }


def make_guild(
    name: str = "Test Guild",
    *,
    members: list[Payload] | None = None,
    channels: list[Payload] | None = None,
    roles: list[Payload] | None = None,
    owner: Payload | None = None,
    id: str | None = None,
    threads: list[Payload] | None = None,
) -> Payload:
    """A GUILD_CREATE payload. `members` holds user or member dicts; the owner is added as member.
    The @everyone role (id = guild id) gets EVERYONE_PERMISSIONS. `threads`: active threads
    (e.g. forum posts opened before the bot started)."""
    gid = id or snowflake()
    owner = owner or make_user("owner")
    mems = [m if "user" in m else make_member(m) for m in members or []]
    if all(m["user"]["id"] != owner["id"] for m in mems):
        mems.insert(0, make_member(owner))
    everyone = make_role("@everyone", permissions=EVERYONE_PERMISSIONS, id=gid, position=0)
    chans = [{**c, "guild_id": gid} for c in channels or [make_channel("general")]]
    return {
        "id": gid,
        "name": name,
        "owner_id": owner["id"],
        "roles": [everyone, *(roles or [])],
        "channels": chans,
        "members": mems,
        "member_count": len(mems),
        "unavailable": False,
        "large": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "threads": list(threads or []),
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "soundboard_sounds": [],
        "guild_scheduled_events": [],
        "joined_at": now_iso(),
        "preferred_locale": "en-US",
        "icon": None,
        "description": None,
        "verification_level": 0,
        "mfa_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "system_channel_flags": 0,
    }


def find_member(guild: Payload, user_id: str) -> Payload | None:
    return next((m for m in guild["members"] if m["user"]["id"] == user_id), None)


def member_permissions(guild: Payload, user_id: str) -> str:
    """Guild-level permissions: everything for the owner and administrators, else OR of roles."""
    member = find_member(guild, user_id)
    roles = {r["id"]: int(r["permissions"]) for r in guild["roles"]}
    value = roles.get(guild["id"], 0)
    for role_id in member["roles"] if member else []:
        value |= roles.get(role_id, 0)
    return ALL_PERMISSIONS if user_id == guild["owner_id"] or value & _ADMIN else str(value)


def channel_permissions(guild: Payload, channel: Payload, user_id: str) -> discord.Permissions:
    """A member's permissions in a channel (a thread: its parent's), as Discord computes them:
    guild roles, then the channel's @everyone, role and member overwrites."""
    base = int(member_permissions(guild, user_id))
    if base == int(ALL_PERMISSIONS):
        return discord.Permissions(base)
    if channel["type"] in _THREAD_TYPES:
        channel = next((c for c in guild["channels"] if c["id"] == channel["parent_id"]), channel)
    overwrites = {o["id"]: o for o in channel.get("permission_overwrites", [])}
    member = find_member(guild, user_id)
    roles = member["roles"] if member else []
    for layer in ([guild["id"]], roles, [user_id]):  # @everyone, then roles, then the member
        found = [overwrites[target] for target in layer if target in overwrites]
        allow = functools.reduce(operator.or_, (int(o["allow"]) for o in found), 0)
        deny = functools.reduce(operator.or_, (int(o["deny"]) for o in found), 0)
        base = (base & ~deny) | allow
    return discord.Permissions(base)


def _interaction(
    type_: int,
    data: Payload,
    *,
    user: Payload,
    guild: Payload | None,
    channel: Payload | None,
    application_id: str,
    permissions: str | None = None,
    message: Payload | None = None,
    locale: str = "en-US",
) -> Payload:
    iid = snowflake()
    p: Payload = {
        "id": iid,
        "application_id": application_id,
        "type": type_,
        "data": data,
        "token": f"itoken-{iid}",
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "app_permissions": ALL_PERMISSIONS,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if message is not None:
        p["message"] = message
    if guild is not None:
        perms = permissions or member_permissions(guild, user["id"])
        member = {**(find_member(guild, user["id"]) or make_member(user)), "user": user}
        channel = {
            **(channel or guild["channels"][0]),
            "guild_id": guild["id"],
            "permissions": perms,
        }
        p.update(
            guild_id=guild["id"],
            guild_locale="en-US",
            context=0,
            channel=channel,
            guild={"id": guild["id"], "locale": "en-US", "features": []},
            member={**member, "permissions": perms},
            authorizing_integration_owners={"0": guild["id"]},
        )
    else:
        p.update(
            user=user,
            context=1,
            channel=channel or make_dm_channel(user),
            authorizing_integration_owners={"1": user["id"]},
        )
    p["channel_id"] = p["channel"]["id"]
    return p


def _option_type(value: Any) -> int:
    if isinstance(value, dict):  # user, channel, role or attachment dict
        if "filename" in value:
            return 11
        return 6 if "username" in value else 7 if "type" in value else 8
    kinds = ((bool, 5), (int, 4), (float, 10), (str, 3))  # bool before int: bool is an int
    return next(t for py, t in kinds if isinstance(value, py))


def build_options(
    values: dict[str, Any],
    defs: list[Payload] | None = None,
    *,
    focused: str | None = None,
    guild: Payload | None = None,
) -> tuple[list[Payload], Payload]:
    """Options plus their `resolved` data. Types come from the command definition `defs`, else
    from the Python value; user/channel/role/attachment options take the user/channel/role/
    attachment dict (``FakeDiscord.add_attachment`` makes one whose url serves its bytes)."""
    types = {d["name"]: d["type"] for d in defs or []}
    options: list[Payload] = []
    resolved: Payload = {}
    for name, value in values.items():
        type_ = types.get(name) or _option_type(value)
        if isinstance(value, dict):
            key = {6: "users", 7: "channels", 8: "roles", 9: "users", 11: "attachments"}[type_]
            extra = {"permissions": ALL_PERMISSIONS} if key == "channels" else {}
            resolved.setdefault(key, {})[value["id"]] = {**value, **extra}
            if key == "users" and guild is not None:
                member = find_member(guild, value["id"]) or make_member(value)
                resolved.setdefault("members", {})[value["id"]] = {
                    **{k: v for k, v in member.items() if k != "user"},
                    "permissions": member_permissions(guild, value["id"]),
                }
            value = value["id"]
        opt = {"name": name, "type": type_, "value": value}
        options.append({**opt, "value": str(value), "focused": True} if name == focused else opt)
    return options, resolved


def _command_data(
    name: str,
    options: dict[str, Any],
    command: Payload | None,
    subcommand: str | None,
    focused: str | None,
    guild: Payload | None,
) -> Payload:
    command = command or {"id": snowflake(), "name": name, "type": 1}
    defs: list[Payload] = command.get("options", [])
    path: list[tuple[str, int]] = []
    for part in (subcommand or "").split():  # "sub" or "group sub"
        d = next((o for o in defs if o["name"] == part), {"type": 1})
        path.append((part, d["type"]))
        defs = d.get("options", [])
    opts, resolved = build_options(options, defs, focused=focused, guild=guild)
    for part, type_ in reversed(path):
        opts = [{"name": part, "type": type_, "options": opts}]
    data = {"id": command["id"], "name": name, "type": command.get("type", 1), "options": opts}
    if resolved:
        data["resolved"] = resolved
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def make_slash_interaction(
    name: str,
    options: dict[str, Any] | None = None,
    *,
    user: Payload,
    guild: Payload | None = None,
    channel: Payload | None = None,
    subcommand: str | None = None,
    command: Payload | None = None,
    permissions: str | None = None,
    application_id: str = APP_ID,
    locale: str = "en-US",
) -> Payload:
    """INTERACTION_CREATE type 2: `/name [subcommand] options`. `command` is the synced command
    (its id and option types); `subcommand` is "sub" or "group sub"; no `guild` means a DM."""
    data = _command_data(name, options or {}, command, subcommand, None, guild)
    return _interaction(
        2,
        data,
        user=user,
        guild=guild,
        channel=channel,
        locale=locale,
        permissions=permissions,
        application_id=application_id,
    )


def make_autocomplete_interaction(
    name: str,
    focused: str,
    options: dict[str, Any],
    *,
    user: Payload,
    guild: Payload | None = None,
    channel: Payload | None = None,
    subcommand: str | None = None,
    command: Payload | None = None,
    application_id: str = APP_ID,
    locale: str = "en-US",
) -> Payload:
    """INTERACTION_CREATE type 4; `options[focused]` is the text typed so far."""
    data = _command_data(name, options, command, subcommand, focused, guild)
    return _interaction(
        4,
        data,
        user=user,
        guild=guild,
        channel=channel,
        locale=locale,
        application_id=application_id,
    )


def make_component_interaction(
    custom_id: str,
    message: Payload,
    component_type: int = 2,
    values: list[str] | None = None,
    *,
    user: Payload,
    guild: Payload | None = None,
    channel: Payload | None = None,
    application_id: str = APP_ID,
) -> Payload:
    """INTERACTION_CREATE type 3: a click on (or `values` picked in) a component of `message`,
    a full message dict such as FakeDiscord.messages holds."""
    data: Payload = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = values
    if channel is None and guild is not None:
        channel = next((c for c in guild["channels"] if c["id"] == message["channel_id"]), None)
    elif channel is None:
        channel = make_dm_channel(user, id=message["channel_id"])
    return _interaction(
        3,
        data,
        user=user,
        guild=guild,
        channel=channel,
        message=message,
        application_id=application_id,
    )


def modal_components(fields: dict[str, Any], modal: Payload | None = None) -> list[Payload]:
    """Submitted components from {custom_id: text, or a list of values for a select}, laid out
    like `modal` (the modal the bot sent: action rows and/or labels) if given."""

    def submitted(c: Payload) -> Payload:
        # not given: what the modal showed (a text input's value, a select's default options)
        shown = [o["value"] for o in c.get("options", []) if o.get("default")]
        value = fields.get(c["custom_id"], c.get("value", "") if c["type"] == 4 else shown)
        key = "value" if c["type"] == 4 else "values"
        return {"type": c["type"], "custom_id": c["custom_id"], key: value}

    if modal is None:
        return [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in fields.items()
        ]
    out: list[Payload] = []
    for row in modal["components"]:
        if row["type"] == 1:
            items = [submitted(c) for c in row["components"] if "custom_id" in c]
            out.append({"type": 1, "components": items})
        elif row["type"] == 18:  # label around one component
            out.append({"type": 18, "component": submitted(row["component"])})
    return out


def make_modal_submit(
    custom_id: str,
    fields: dict[str, Any],
    *,
    user: Payload,
    guild: Payload | None = None,
    channel: Payload | None = None,
    modal: Payload | None = None,
    message: Payload | None = None,
    application_id: str = APP_ID,
) -> Payload:
    """INTERACTION_CREATE type 5 for modal `custom_id` with `fields` (see modal_components)."""
    data = {"custom_id": custom_id, "components": modal_components(fields, modal)}
    return _interaction(
        5,
        data,
        user=user,
        guild=guild,
        channel=channel,
        message=message,
        application_id=application_id,
    )


def make_message(
    content: str,
    author: Payload,
    channel: Payload,
    *,
    guild: Payload | None = None,
    mentions: list[Payload] | None = None,
    known_users: list[Payload] | None = None,
    attachments: list[Payload] | None = None,
    id: str | None = None,
) -> Payload:
    """MESSAGE_CREATE. Without `mentions`, `<@id>` in content is looked up in `known_users`."""
    if mentions is None:
        by_id = {u["id"]: u for u in known_users or []}
        mentions = [by_id[i] for i in dict.fromkeys(_MENTION.findall(content)) if i in by_id]
    msg: Payload = {
        "id": id or snowflake(),
        "channel_id": channel["id"],
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions,
        "mention_roles": [],
        "embeds": [],
        "attachments": attachments or [],
        "components": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }
    if guild is not None:
        member = find_member(guild, author["id"]) or make_member(author)
        msg.update(guild_id=guild["id"], member={k: v for k, v in member.items() if k != "user"})
    return msg
