"""Offline Discord for end-to-end tests of a discord.py 2.7 bot.

The bot runs unmodified -- its own ``start(token)``, login, gateway, command sync and JSON
parsing -- against ``FakeDiscord``: an aiohttp server on 127.0.0.1 (random port) with the REST
routes a typical bot uses under ``/api/v10`` and a websocket gateway (HELLO; IDENTIFY -> READY and
GUILD_CREATE; heartbeat ACK). discord.py is redirected by patching ``discord.http.Route.BASE``
and ``DiscordWebSocket.DEFAULT_GATEWAY`` (``redirect_discord``). Every HTTP request of the bot is
recorded, so tests assert on what Discord would have received. No network; ~0.05 s per test.

Example (pytest-asyncio)::

    from tests.harness import run_bot

    async def test_ask():
        async with run_bot(make_bot) as h:          # a factory or a bot; runs bot.start(token)
            ex = await h.slash("ask", question="python?")   # waits for the callback
            assert ex.response["type"] == 4          # 4 reply, 5 defer, 6/7 update, 9 modal
            assert ex.response["data"]["embeds"][0]["title"] == "Answer"
            click = await h.click("ask:more")        # bot's newest message with that custom_id
            followup = await ex.wait("followup")     # a Recorded; followup.json is the body
            choices = await h.autocomplete("ask", "question", question="pyt")
            msg = await h.send_message(f"<@{h.fake.bot_user['id']}> hi")
            reply = await msg.wait("channel_message")
            await h.settle()                         # bot handlers done: now assert bot state

* ``run_bot(bot, guilds=None, user=None, guild_ready_timeout=0.02, strict=True)`` -- async
  context manager yielding a ``BotHarness`` (``.fake``, ``.bot``, ``.guild``, ``.user``; on exit
  it settles, up to 1 s, so handler work such as a database write ends inside the test) with
  ``slash``, ``autocomplete``, ``click``, ``submit_modal``, ``send_message`` and ``open_post``
  (a forum post: THREAD_CREATE, then its starter MESSAGE_CREATE); all but autocomplete (which
  returns the choices) return an ``Exchange``. ``dm=True`` acts in a DM;
  an option named like a helper keyword (e.g. ``channel``) goes in ``slash(..., values={})``.
  ``settle()`` waits until the bot got every event and its handler tasks are done (also for an
  ``AutoShardedClient``, whose websockets live on its shards). A logged bot
  exception makes a pending wait fail at once, with the traceback's exception in the message.
* ``Exchange``: ``.payload`` (the dispatched event), ``.response`` (callback body),
  ``.followups``, ``.edits``, ``.messages``, ``.requests``, ``await .wait(kind, n=1)``.
* ``FakeDiscord``: ``.requests`` (``Recorded``: method, path, query, json, files as
  [(name, bytes)], kind, status, response), ``.interaction_responses``, ``.followups``,
  ``.channel_messages``, ``.edits``, ``.unhandled`` (unknown routes, answered 404),
  ``.commands`` (synced; by guild id, None = global), ``.messages`` (what the bot created, as
  Discord stores it), ``await .dispatch(event, data)``, ``await .wait_for(predicate)``,
  ``.add_message(message)``: a user's message GET can find (MESSAGE_CREATE adds it too),
  ``.bot_permissions(channel)``, ``.add_attachment(filename, data)``: an uploaded file for an
  attachment option (``h.slash("kb", subcommand="import",
  file=fake.add_attachment("a.yaml", b"..."))`` puts it in ``resolved.attachments``; GET on its
  url returns ``data``, as the CDN would).
* ``payloads``: ``make_user/role/channel/dm_channel/member/guild``, ``make_forum_channel``,
  ``make_tag``, ``make_thread``, ``make_overwrite``, ``channel_permissions``,
  ``make_slash_interaction``,
  ``make_autocomplete_interaction``, ``make_component_interaction``, ``make_modal_submit``,
  ``make_message``. A submitted modal repeats what the modal showed for every input not in
  ``fields`` (a text input's pre-filled value, a select's default options), as Discord does.

Fidelity: callbacks honour ``?with_response=1`` (``interaction`` + ``resource.message`` for 4, 5
and 7, a resource without message for 9, only ``interaction`` for 6, 204 for 8), and
``response_message_id`` is the new message's id -- discord.py 2.7.1 keys a sent View by it. A
second callback for one interaction gets 400 (code 40060). The first follow-up after a type 5
defer fills in the loading message and keeps the defer's flags, as on Discord. JSON goes out
with ``Content-Type: application/json`` exactly; discord.py decodes nothing else.

Also as on Discord: a request with another bot token gets 401 (discord.py's login raises
``LoginFailure``); IDENTIFY asking for a privileged intent missing from
``FakeDiscord(privileged_intents=...)`` (default: all enabled) is closed with 4014 (discord.py
raises ``PrivilegedIntentsRequired``); without the Message Content intent, MESSAGE_CREATE/UPDATE
in servers arrive with empty content, embeds, attachments and components unless they mention
the bot; a thread is edited (PATCH: name, archived, locked, applied_tags) only with Manage
Threads unless the bot owns it, only to unarchive it while archived, and only with tags of
its forum (at most 5), then THREAD_UPDATE follows; posting in a thread needs Send Messages in
Threads and unarchives it; a message body breaking a size limit (``limits.problems``: content,
embeds, components) gets 400 "Invalid Form Body".
"""

from . import limits
from .fake import FakeDiscord, Recorded
from .payloads import (
    APP_ID,
    channel_permissions,
    make_autocomplete_interaction,
    make_channel,
    make_component_interaction,
    make_dm_channel,
    make_forum_channel,
    make_guild,
    make_member,
    make_message,
    make_modal_submit,
    make_overwrite,
    make_role,
    make_slash_interaction,
    make_tag,
    make_thread,
    make_user,
    snowflake,
)
from .runner import BotHarness, Exchange, redirect_discord, run_bot

__all__ = [
    "APP_ID",
    "BotHarness",
    "Exchange",
    "FakeDiscord",
    "Recorded",
    "channel_permissions",
    "limits",
    "make_autocomplete_interaction",
    "make_channel",
    "make_component_interaction",
    "make_dm_channel",
    "make_forum_channel",
    "make_guild",
    "make_member",
    "make_message",
    "make_modal_submit",
    "make_overwrite",
    "make_role",
    "make_slash_interaction",
    "make_tag",
    "make_thread",
    "make_user",
    "redirect_discord",
    "run_bot",
    "snowflake",
]
