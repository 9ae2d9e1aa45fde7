"""Self-test of tests/harness: a throwaway bot driven end to end through discord.py."""

from __future__ import annotations

import io

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from tests.harness import make_message, make_slash_interaction, make_user, run_bot

pytestmark = pytest.mark.asyncio

TOPICS = ["python basics", "python async", "resume tips", "interview prep"]
Click = discord.Interaction
Btn = discord.ui.Button


class AskView(discord.ui.View):
    def __init__(self, log: list[str]) -> None:
        super().__init__(timeout=None)
        self.log = log

    @discord.ui.button(label="Helpful", custom_id="ask:helpful", style=discord.ButtonStyle.success)
    async def helpful(self, interaction: Click, button: Btn[AskView]) -> None:
        self.log.append(f"helpful:{interaction.user.name}")
        content = f"Thanks {interaction.user.name}!"
        await interaction.response.edit_message(content=content, view=None)

    @discord.ui.button(label="More", custom_id="ask:more")
    async def more(self, interaction: Click, button: Btn[AskView]) -> None:
        self.log.append("more")
        await interaction.response.send_message("Here is more.", ephemeral=True)


class SuggestModal(discord.ui.Modal, title="Suggest a topic"):
    topic = discord.ui.TextInput(label="Topic", custom_id="suggest:topic", max_length=100)
    details = discord.ui.TextInput(
        label="Details", custom_id="suggest:details", style=discord.TextStyle.paragraph
    )
    level = discord.ui.Label(
        text="Level",
        component=discord.ui.Select(
            custom_id="suggest:level",
            options=[discord.SelectOption(label="beginner"), discord.SelectOption(label="expert")],
        ),
    )

    def __init__(self, log: list[str]) -> None:
        super().__init__(custom_id="suggest")
        self.log = log

    async def on_submit(self, interaction: Click) -> None:
        select = self.level.component
        assert isinstance(select, discord.ui.Select)
        self.log.append(f"{self.topic.value}|{self.details.value}|{','.join(select.values)}")
        content = f"Suggestion received: {self.topic.value}"
        await interaction.response.send_message(content, ephemeral=True)


class SampleBot(commands.Bot):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents)
        self.log: list[str] = []
        self.add_commands()

    def add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Ask a question")
        async def ask(interaction: Click, question: str) -> None:
            embed = discord.Embed(title="Answer", description=f"You asked: {question}")
            none = discord.AllowedMentions.none()
            await interaction.response.send_message(
                embed=embed, view=AskView(self.log), allowed_mentions=none
            )

        @ask.autocomplete("question")
        async def ask_complete(interaction: Click, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if current.lower() in t]

        @tree.command(description="Build a report")
        async def report(interaction: Click) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("Report ready", ephemeral=True)
            await interaction.followup.send("Second part", ephemeral=True)

        @tree.command(description="Suggest a topic")
        async def suggest(interaction: Click) -> None:
            await interaction.response.send_modal(SuggestModal(self.log))

        @tree.command(description="Export notes")
        async def export(interaction: Click) -> None:
            file = discord.File(io.BytesIO(b"hello"), "notes.txt")
            await interaction.response.send_message("notes", file=file)
            sent = await interaction.original_response()  # GET .../messages/@original
            self.log.append(sent.attachments[0].filename)

        @tree.command(description="A vote with a short-lived (not persistent) view")
        async def vote(interaction: Click) -> None:
            view = discord.ui.View(timeout=60)
            button: Btn[discord.ui.View] = Btn(label="Yes", custom_id=f"vote:{interaction.id}")

            async def on_click(click: Click) -> None:
                self.log.append("voted")
                await click.response.defer()  # type 6: deferred update of the clicked message
                await click.edit_original_response(content="Vote! (1 vote)")

            button.callback = on_click  # type: ignore[method-assign]
            view.add_item(button)
            await interaction.response.send_message("Vote!", view=view)

        @tree.command(description="Fails")
        async def boom(interaction: Click) -> None:
            raise RuntimeError("boom")

        kb = app_commands.Group(name="kb", description="Knowledge base")

        @kb.command(description="Add an entry")
        async def add(interaction: Click, name: str, weight: int = 1) -> None:
            content = f"added {name} x{weight} by {interaction.user.name}"
            await interaction.response.send_message(content)

        tree.add_command(kb)

    async def setup_hook(self) -> None:
        self.add_view(AskView(self.log))  # persistent: handles clicks on messages from earlier runs
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot and self.user in message.mentions:
            await message.reply(f"pong {message.content.split()[-1]}", mention_author=False)


async def test_startup_and_sync() -> None:
    async with run_bot(SampleBot) as h:
        assert h.bot.is_ready() and h.bot.user is not None
        assert str(h.bot.user.id) == h.fake.bot_user["id"]
        guild = h.bot.get_guild(int(h.guild["id"]))
        # without the members intent discord.py caches only the bot's own member
        assert guild is not None and guild.member_count == 3 and guild.me is not None
        assert guild.get_channel(int(h.guild["channels"][0]["id"])) is not None
        names = {c["name"] for c in h.fake.commands[None]}
        assert names == {"ask", "report", "suggest", "export", "vote", "boom", "kb"}
        assert all(c["id"] for c in h.fake.commands[None])
        assert [r.kind for r in h.fake.requests[:3]] == ["me", "app_info", "sync"]


async def test_slash_reply_with_embed_view_and_allowed_mentions() -> None:
    async with run_bot(SampleBot) as h:
        ex = await h.slash("ask", question="What is asyncio?")
        assert ex.response is not None and ex.response["type"] == 4
        data = ex.response["data"]
        assert data["embeds"][0]["title"] == "Answer"
        assert data["embeds"][0]["description"] == "You asked: What is asyncio?"
        assert data["allowed_mentions"] == {"parse": []}
        buttons = [(b["custom_id"], b["style"]) for b in data["components"][0]["components"]]
        assert buttons == [("ask:helpful", 3), ("ask:more", 2)]
        assert not data.get("flags")
        assert ex.payload["data"]["id"] == h.fake.find_command("ask")["id"]


async def test_button_click_updates_message_and_ephemeral_reply() -> None:
    async with run_bot(SampleBot) as h:
        await h.slash("ask", question="q")
        original = h.last_message_with("ask:helpful")
        click = await h.click("ask:helpful", user=h.user)
        assert click.response["type"] == 7
        assert click.response["data"]["content"] == f"Thanks {h.user['username']}!"
        assert click.response["data"]["components"] == []  # view=None removes the buttons
        assert h.fake.messages[original["id"]]["components"] == []

        await h.slash("ask", question="q2")
        more = await h.click("ask:more")
        assert more.response["type"] == 4 and more.response["data"]["flags"] == 64
        assert h.bot.log == [f"helpful:{h.user['username']}", "more"]


async def test_non_persistent_view_is_found_by_response_message_id() -> None:
    async with run_bot(SampleBot) as h:
        ex = await h.slash("vote")
        custom_id = f"vote:{ex.payload['id']}"
        sent = h.last_message_with(custom_id)
        assert ex.requests[0].response["interaction"]["response_message_id"] == sent["id"]
        click = await h.click(custom_id)
        assert click.response == {"type": 6} and h.bot.log == ["voted"]
        edit = await click.wait("edit")
        assert edit.path.endswith("/messages/@original")
        assert edit.json["content"] == "Vote! (1 vote)"
        assert h.fake.messages[sent["id"]]["content"] == "Vote! (1 vote)"
        # the same custom_id on another message does not reach the view (keyed by message id)
        stray = await h.click(custom_id, on_message={**sent, "id": "1"}, wait=False)
        with pytest.raises(AssertionError):
            await stray.wait(timeout=0.1)


async def test_persistent_view_on_message_from_before_restart() -> None:
    async with run_bot(SampleBot) as h:
        old = make_message("old answer", h.fake.bot_user, h.guild["channels"][0], guild=h.guild)
        button = {"type": 2, "style": 3, "label": "Helpful", "custom_id": "ask:helpful"}
        old["components"] = [{"type": 1, "components": [button]}]
        click = await h.click("ask:helpful", on_message=old)
        assert click.response["type"] == 7
        assert h.bot.log == [f"helpful:{h.user['username']}"]


async def test_autocomplete_choices() -> None:
    async with run_bot(SampleBot) as h:
        choices = await h.autocomplete("ask", "question", question="pyth")
        assert choices == [
            {"name": "python basics", "value": "python basics"},
            {"name": "python async", "value": "python async"},
        ]
        assert h.fake.of_kind("callback")[0].status == 204


async def test_defer_then_ephemeral_followups() -> None:
    async with run_bot(SampleBot) as h:
        ex = await h.slash("report")
        assert ex.response == {"type": 5, "data": {"flags": 64}}
        first, second = await ex.wait("followup", 1), await ex.wait("followup", 2)
        assert (first.json["content"], first.json["flags"]) == ("Report ready", 64)
        assert second.json["content"] == "Second part"
        # the first follow-up filled in the deferred "thinking" message; the second is new
        callback = ex.requests[0].response
        assert first.response["id"] == callback["interaction"]["response_message_id"]
        assert second.response["id"] != first.response["id"]
        assert first.response["flags"] == second.response["flags"] == 64


async def test_modal_open_and_submit() -> None:
    async with run_bot(SampleBot) as h:
        ex = await h.slash("suggest")
        assert ex.response["type"] == 9
        modal = ex.response["data"]
        assert modal["custom_id"] == "suggest" and modal["title"] == "Suggest a topic"
        assert [c["type"] for c in modal["components"]] == [1, 1, 18]  # 2 inputs, labelled select
        fields = {
            "suggest:topic": "Rust",
            "suggest:details": "ownership",
            "suggest:level": ["expert"],
        }
        sub = await h.submit_modal(fields)
        select = {"type": 3, "custom_id": "suggest:level", "values": ["expert"]}
        assert sub.payload["data"]["components"][2] == {"type": 18, "component": select}
        assert sub.response == {
            "type": 4,
            "data": {"tts": False, "content": "Suggestion received: Rust", "flags": 64},
        }
        assert h.bot.log == ["Rust|ownership|expert"]


async def test_subcommand_and_file_upload() -> None:
    async with run_bot(SampleBot) as h:
        ex = await h.slash("kb", subcommand="add", name="docker", weight=3)
        assert ex.response["data"]["content"] == f"added docker x3 by {h.user['username']}"
        sub = ex.payload["data"]["options"][0]
        assert (sub["name"], sub["type"]) == ("add", 1)
        assert sub["options"][1] == {"name": "weight", "type": 4, "value": 3}
        up = await h.slash("export")
        rec = up.requests[0]
        assert rec.files == [("notes.txt", b"hello")]
        message = rec.response["resource"]["message"]
        assert message["attachments"][0]["filename"] == "notes.txt"
        await h.settle()  # the bot parses the GET @original answer after the request is recorded
        assert h.bot.log == ["notes.txt"]
        assert up.requests[-1].kind == "get_message"


async def test_dm_slash_command() -> None:
    async with run_bot(SampleBot) as h:
        ex = await h.slash("ask", question="in a DM", dm=True)
        assert "guild_id" not in ex.payload and ex.payload["user"]["id"] == h.user["id"]
        assert ex.response["type"] == 4


async def test_on_message_reply_to_mention() -> None:
    async with run_bot(SampleBot) as h:
        ex = await h.send_message(f"<@{h.fake.bot_user['id']}> ping")
        reply = (await ex.wait("channel_message")).json
        assert reply["content"] == "pong ping"
        assert str(reply["message_reference"]["message_id"]) == ex.payload["id"]
        assert reply["allowed_mentions"]["replied_user"] is False
        quiet = await h.send_message("no mention here")
        with pytest.raises(AssertionError):
            await quiet.wait("channel_message", timeout=0.1)


async def test_bot_exception_fails_fast_with_the_error() -> None:
    async with run_bot(SampleBot) as h:
        with pytest.raises(AssertionError, match="RuntimeError: boom"):
            await h.slash("boom")


async def test_low_level_dispatch_and_unknown_routes() -> None:
    bob = make_user("bob")
    async with run_bot(SampleBot, strict=False) as h:
        payload = make_slash_interaction(
            "ask", {"question": "raw"}, user=bob, guild=h.guild, command=h.fake.find_command("ask")
        )
        await h.fake.dispatch("INTERACTION_CREATE", payload)
        rec = await h.fake.wait_for(lambda r: r.kind == "callback")
        assert rec.response["interaction"]["id"] == payload["id"]
        embed = h.fake.interaction_responses[0]["data"]["embeds"][0]
        assert embed["description"] == "You asked: raw"
        with pytest.raises(discord.NotFound):
            await h.bot.http.request(Route("GET", "/guilds/{guild_id}/bans", guild_id=1))
        assert [r.path for r in h.fake.unhandled] == ["/api/v10/guilds/1/bans"]


async def test_size_limits_and_wrong_token_answered_like_discord() -> None:
    async with run_bot(SampleBot) as h:
        route = Route(
            "POST", "/channels/{channel_id}/messages", channel_id=h.guild["channels"][0]["id"]
        )
        with pytest.raises(discord.HTTPException) as too_long:
            await h.bot.http.request(route, json={"content": "x" * 2001})
        assert (too_long.value.status, too_long.value.code) == (400, 50035)
        assert "content has 2001 > 2000 chars" in str(too_long.value)
        async with aiohttp.ClientSession() as session:
            me = await session.get(
                h.fake.api_base + "/users/@me", headers={"Authorization": "Bot wrong-token"}
            )
            assert me.status == 401
        assert [r.kind for r in h.fake.requests[-2:]] == ["channel_message", "unauthorized"]
