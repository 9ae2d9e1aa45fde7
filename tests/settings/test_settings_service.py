"""Server settings: the help forum and its "Solved" tag beside the other settings, on every
backend, and how /config show describes them."""

from __future__ import annotations

from bot.services import Services
from bot.settings.discord.cog import describe_settings
from bot.settings.service import DEFAULT_SOLVED_TAG, GuildSettingsService, ServerSettings

GUILD = 61


async def test_help_forum_and_tag_are_stored_beside_the_other_settings(
    services: Services,
) -> None:
    settings = services.guild_settings
    await settings.set_ask_channel(GUILD, 7)
    stored = await settings.set_help_forum(GUILD, 8, "  Answered   ✓ ")
    assert stored == ServerSettings(GUILD, 7, None, 8, "Answered ✓")
    fresh = GuildSettingsService(services.sessions)  # another process reads the same
    assert await fresh.get(GUILD) == stored
    assert (await settings.set_help_forum(GUILD, 8)).solved_tag == DEFAULT_SOLVED_TAG
    assert (await settings.set_help_forum(GUILD, 8, "   ")).solved_tag == DEFAULT_SOLVED_TAG
    off = await settings.set_help_forum(GUILD, None)
    assert off == ServerSettings(GUILD, 7, None, None, DEFAULT_SOLVED_TAG)


async def test_a_server_without_settings_has_no_help_forum(services: Services) -> None:
    assert await services.guild_settings.get(GUILD) == ServerSettings(GUILD)
    assert ServerSettings(GUILD).solved_tag == "Solved"


def test_show_lists_the_help_forum_and_its_tag() -> None:
    assert describe_settings(ServerSettings(GUILD)).splitlines() == [
        "Ask channel: not set",
        "Moderator role: not set (Manage Server only)",
        "Help forum: not set",
    ]
    shown = describe_settings(ServerSettings(GUILD, 1, 2, 3, "Done"))
    assert shown.splitlines()[2] == "Help forum: <#3> (solved tag: **Done**)"
