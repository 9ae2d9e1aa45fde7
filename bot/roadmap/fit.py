"""/roadmap fit: how far a member is from each role, and what to learn next for it.

Pure functions over one MemberProgress: every role track (a track with a `role` name) gets
the share of its skills done, counted like /roadmap view (skipped skills don't count), and the
next skills still missing, prerequisites first, each with the knowledge entry that teaches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.roadmap.progress import SETTLED, MemberProgress, Status, TrackView, teaching
from bot.roadmap.skills import Skill, SkillGraph

NEXT_SKILLS = 3  # missing skills shown per role


@dataclass(frozen=True)
class MissingSkill:
    """A skill the member still lacks for a role, and the entry that teaches it (if any)."""

    skill: Skill
    status: Status  # to do or in progress
    entry: Entry | None


@dataclass(frozen=True)
class RoleFit:
    """One role: the member's progress on its track and what to learn next."""

    view: TrackView
    missing: tuple[MissingSkill, ...]

    @property
    def role(self) -> str:
        return self.view.track.role or self.view.track.title

    @property
    def percent(self) -> int:
        return self.view.percent


@dataclass(frozen=True)
class FitReport:
    """Every role, the closest fit first."""

    roles: tuple[RoleFit, ...]

    @property
    def started(self) -> bool:
        """Whether the member has done anything that counts towards a role."""
        return any(fit.view.done for fit in self.roles)


def fit_report(
    views: Iterable[TrackView],
    progress: MemberProgress,
    graph: SkillGraph,
    knowledge: KnowledgeBase | None,
) -> FitReport:
    """The role views, best fit first (ties keep display order), each with its next skills."""
    fits = [role_fit(view, progress, graph, knowledge) for view in views if view.track.role]
    fits.sort(key=lambda fit: -fit.percent)
    return FitReport(tuple(fits))


def role_fit(
    view: TrackView,
    progress: MemberProgress,
    graph: SkillGraph,
    knowledge: KnowledgeBase | None,
    limit: int = NEXT_SKILLS,
) -> RoleFit:
    missing = tuple(
        MissingSkill(skill, progress.status(skill.id), next(iter(teaching(skill, knowledge)), None))
        for skill in next_missing(view, progress, graph, limit)
    )
    return RoleFit(view, missing)


def next_missing(
    view: TrackView, progress: MemberProgress, graph: SkillGraph, limit: int
) -> list[Skill]:
    """The track's open skills in roadmap order, each after its own missing prerequisites
    (recursively; a done or skipped prerequisite needs nothing more), at most `limit`."""
    seen: set[str] = set()
    found: list[Skill] = []

    def visit(skill: Skill) -> None:
        if skill.id in seen or progress.status(skill.id) in SETTLED:
            return
        seen.add(skill.id)
        for required in graph.prerequisites(skill):
            visit(required)
        found.append(skill)

    for _, skill_view in view.open_skills():
        if len(found) >= limit:
            break
        visit(skill_view.skill)
    return found[:limit]
