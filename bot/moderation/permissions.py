"""Who may moderate a server's knowledge: decided in code, never only by Discord's defaults
(server admins can override `default_member_permissions`)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.settings.service import GuildSettingsService


def may_moderate(
    has_manage_guild: bool, member_role_ids: Iterable[int], mod_role_id: int | None
) -> bool:
    """Manage Server permission, or the server's moderator role (set with /config mod-role)."""
    if has_manage_guild:
        return True
    return mod_role_id is not None and mod_role_id in set(member_role_ids)


async def member_may_moderate(
    settings: GuildSettingsService,
    guild_id: int | None,
    has_manage_guild: bool,
    member_role_ids: Iterable[int],
) -> bool:
    """may_moderate with the server's stored moderator role; never outside a server (DMs)."""
    if not guild_id:
        return False
    config = await settings.get(guild_id)
    return may_moderate(has_manage_guild, member_role_ids, config.mod_role_id)
