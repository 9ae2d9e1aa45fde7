"""Browsing with autocomplete: /topic, /role, /salary, /certs, /learn, /skills, /network and
the paged /topics list.

Autocomplete must answer within 3 seconds and cannot be deferred, so it reads only what is in
memory (never the database) and ranks with lookup.search, which takes well under a millisecond.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.answers.discord.components import answer_reply, pick_view, topics_reply
from bot.answers.discord.embeds import not_found_embed, topic_listing
from bot.answers.lookup import TOPIC_RULES, resolve, search
from bot.discord.common import Reply, knowledge_now, respond, say, services_of
from bot.discord.limits import CHOICE_MAX, CHOICES_MAX, Completer, Typed, clip
from bot.knowledge.models import Entry
from bot.ranking import Named, rank

if TYPE_CHECKING:
    from bot.discord.app import CareerBot


def choice_name(entry: Entry, with_category: bool) -> str:
    return clip(f"{entry.title} · {entry.category}" if with_category else entry.title, CHOICE_MAX)


def topic_completer(category: str | None) -> Completer:
    """Autocomplete over one category (None: every topic), fuzzy on titles and ids."""

    async def complete(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        knowledge = services_of(interaction).knowledge.knowledge_in_memory(interaction.guild_id)
        entries = search(topic_listing(knowledge, category), current, CHOICES_MAX)
        return [Choice(name=choice_name(e, category is None), value=e.id) for e in entries]

    return complete


async def complete_category(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
    knowledge = services_of(interaction).knowledge.knowledge_in_memory(interaction.guild_id)
    categories = knowledge.categories()
    found = rank(categories, current, lambda name: Named(name, (name,)), TOPIC_RULES)
    return [
        Choice(name=f"{name} ({categories[name]} topics)", value=name)
        for name in (choice.item for choice in found[:CHOICES_MAX])
    ]


class Browse(commands.Cog):
    """One command per common category, plus /topic for any entry and /topics to list them."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def show(
        self, interaction: discord.Interaction, category: str | None, typed: str | None
    ) -> None:
        """The chosen entry; nothing chosen: the category's list; unknown: the closest topics."""
        knowledge = await knowledge_now(self.bot.services, interaction.guild_id)
        if typed is None or not typed.strip():
            await respond(interaction, topics_reply(knowledge, category, ephemeral=True))
            return
        entry = resolve(knowledge, typed)
        if entry is not None:
            await respond(interaction, answer_reply(entry, knowledge))
            return
        closest = search(topic_listing(knowledge, category), typed, 5) or search(
            knowledge, typed, 5
        )
        await respond(
            interaction,
            Reply(
                embeds=[not_found_embed(closest)],
                view=pick_view(interaction.user.id, closest),
                ephemeral=True,
            ),
        )

    @app_commands.command(name="topic", description="Show any topic (start typing to search)")
    @app_commands.describe(name="A topic title or id")
    @app_commands.autocomplete(name=topic_completer(None))
    async def topic(self, interaction: discord.Interaction, name: Typed) -> None:
        await self.show(interaction, None, name)

    @app_commands.command(name="role", description="ML roles: what they do and how to get there")
    @app_commands.describe(role="A role, e.g. MLOps engineer; leave empty to list them")
    @app_commands.autocomplete(role=topic_completer("roles"))
    async def role(self, interaction: discord.Interaction, role: Typed | None = None) -> None:
        await self.show(interaction, "roles", role)

    @app_commands.command(name="salary", description="Salaries by role or career level")
    @app_commands.describe(role_or_level="A role or level, e.g. entry level; empty lists them")
    @app_commands.autocomplete(role_or_level=topic_completer("salaries"))
    async def salary(
        self, interaction: discord.Interaction, role_or_level: Typed | None = None
    ) -> None:
        await self.show(interaction, "salaries", role_or_level)

    @app_commands.command(name="certs", description="Certifications: which ones are worth it")
    @app_commands.describe(cert="A certification, e.g. AWS; leave empty to list them")
    @app_commands.autocomplete(cert=topic_completer("certifications"))
    async def certs(self, interaction: discord.Interaction, cert: Typed | None = None) -> None:
        await self.show(interaction, "certifications", cert)

    @app_commands.command(name="learn", description="Education routes: degrees, bootcamps, courses")
    @app_commands.describe(route="A route, e.g. master's degree; leave empty to list them")
    @app_commands.autocomplete(route=topic_completer("education"))
    async def learn(self, interaction: discord.Interaction, route: Typed | None = None) -> None:
        await self.show(interaction, "education", route)

    @app_commands.command(name="skills", description="Skills and tools to learn for ML jobs")
    @app_commands.describe(skill="A skill, e.g. Python; leave empty to list them")
    @app_commands.autocomplete(skill=topic_completer("skills"))
    async def skills(self, interaction: discord.Interaction, skill: Typed | None = None) -> None:
        await self.show(interaction, "skills", skill)

    @app_commands.command(name="network", description="Networking: communities, LinkedIn, meetups")
    @app_commands.describe(topic="A topic, e.g. LinkedIn; leave empty to list them")
    @app_commands.autocomplete(topic=topic_completer("networking"))
    async def network(self, interaction: discord.Interaction, topic: Typed | None = None) -> None:
        await self.show(interaction, "networking", topic)

    @app_commands.command(name="topics", description="List every topic, or one category's")
    @app_commands.describe(category="Only this category")
    @app_commands.autocomplete(category=complete_category)
    async def topics(self, interaction: discord.Interaction, category: Typed | None = None) -> None:
        knowledge = await knowledge_now(self.bot.services, interaction.guild_id)
        name = category.strip().lower() if category else None
        if name is not None and name not in knowledge.categories():
            known = ", ".join(f"`{c}`" for c in knowledge.categories())
            await say(interaction, f"I don't have that category. Pick one of: {known}.")
            return
        await respond(interaction, topics_reply(knowledge, name, ephemeral=True))


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Browse(bot))
