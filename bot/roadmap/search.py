"""Finding roadmap skills from what a member typed: ids, titles, typos.

Pure functions over TrackViews, so autocomplete and the terminal rank skills the same way. A
skill listed by several tracks is offered once, under the track it is picked for: the one
named ('track:skill'), else the member's current track if it lists the skill, else the first
topic track (portfolio, networking: "find a mentor" is a networking thing), else the first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from bot import ranking
from bot.ranking import Named, Rules, normalize_key
from bot.roadmap.progress import MARKS, OPEN, SkillView, Status, TrackView
from bot.roadmap.skills import Skill
from bot.roadmap.tracks import Step, Track

MIN_SCORE = 60.0  # below this a skill is not shown at all
SURE_SCORE = 85.0  # resolve() takes the best match only above this...
SURE_GAP = 8.0  # ...and this far ahead of the runner-up
UNWANTED_PENALTY = 15.0  # e.g. done skills when marking done: still found, ranked lower
MAX_SUGGESTIONS = 5  # "did you mean" list when resolve() is not sure
FILLER = frozenset({"a", "an", "the", "to", "of", "my", "i", "in", "on", "for", "and", "with"})


@dataclass(frozen=True)
class SkillChoice:
    """A skill as a member picks it: the track it is picked in, its step there, the member's
    status, the other tracks that list it, and the match score."""

    track: Track = field(repr=False)
    step: Step = field(repr=False)
    skill: Skill
    status: Status
    score: float = 100.0
    others: tuple[Track, ...] = field(default=(), repr=False)

    @property
    def value(self) -> str:
        """'track:skill': fits an autocomplete value (ids are at most 32 + 1 + 64 characters)."""
        return f"{self.track.id}:{self.skill.id}"

    @property
    def label(self) -> str:
        """'✓ Skill title · Track title', and '+N' when N other tracks list it too."""
        more = f" +{len(self.others)}" if self.others else ""
        return f"{MARKS[self.status]} {self.skill.title} · {self.track.title}{more}"


@dataclass(frozen=True)
class Resolution:
    """A sure pick, or the candidates to offer when the text was ambiguous."""

    choice: SkillChoice | None
    candidates: tuple[SkillChoice, ...] = ()


SKILL_RULES = Rules(min_score=MIN_SCORE, typo_length=3, filler=FILLER)


def named(skill: Skill) -> Named:
    """Skills are typed by their title or id."""
    return Named(skill.id, (skill.title, skill.id))


Place = tuple[Track, Step, SkillView]  # where a skill shows: track, step, status there


def choices(views: Sequence[TrackView], prefer: str | None = None) -> Iterator[SkillChoice]:
    """Every skill of `views` once, in roadmap order, with the member's status, placed in the
    track it would be marked in (see `home`)."""
    places: dict[str, list[Place]] = {}  # insertion order: roadmap order
    for view in views:
        for step_view in view.steps:
            for shown in step_view.skills:
                places.setdefault(shown.skill.id, []).append((view.track, step_view.step, shown))
    for found in places.values():
        track, step, shown = home(found, prefer)
        others = tuple(other for other, _, _ in found if other is not track)
        yield SkillChoice(track, step, shown.skill, shown.status, others=others)


def home(places: Sequence[Place], prefer: str | None) -> Place:
    """Track `prefer` (the member's current one) if it lists the skill, else the first topic
    track that does, else the first track."""
    for fits in (lambda track: track.id == prefer, lambda track: track.role is None):
        for place in places:
            if fits(place[0]):
                return place
    return places[0]


def rank(
    views: Sequence[TrackView],
    query: str,
    *,
    wanted: Collection[str] = OPEN,
    limit: int | None = None,
    prefer: str | None = None,
) -> list[SkillChoice]:
    """Most relevant first; skills whose status is not `wanted` rank lower, never vanish.

    With an empty query every skill is listed: wanted ones first, in roadmap order.
    """
    return [_scored(found) for found in _ranked(choices(views, prefer), query, wanted, limit)]


def _ranked(
    candidates: Iterable[SkillChoice], query: str, wanted: Collection[str], limit: int | None
) -> list[ranking.Ranked[SkillChoice]]:
    return ranking.rank(
        candidates,
        query,
        lambda choice: named(choice.skill),
        SKILL_RULES,
        limit=limit,
        penalty=lambda choice: 0.0 if choice.status in wanted else UNWANTED_PENALTY,
    )


def resolve(
    views: Sequence[TrackView],
    text: str,
    *,
    wanted: Collection[str] = OPEN,
    exact: bool = False,
    prefer: str | None = None,
) -> Resolution:
    """'track:skill', a skill id (also an id it `replaces`), or a clear fuzzy winner; else
    candidates to choose from. With `exact` (an id a button stored) there is no fuzzy guess
    and no candidates from typos."""
    text = text.strip()
    track_part, colon, skill_part = text.partition(":")
    if colon:
        chosen = [view for view in views if view.track.id == normalize_key(track_part)]
        if not chosen:
            return Resolution(None)
        return resolve(chosen, skill_part, wanted=wanted, exact=exact)
    candidates = list(choices(views, prefer))
    skill_id = normalize_key(text)
    same_id = [choice for choice in candidates if skill_id in choice.skill.lineage]
    if same_id:
        return Resolution(same_id[0])
    if exact:
        return Resolution(None)
    ranked = _ranked(candidates, text, wanted, None)
    sure = ranking.pick(ranked, SURE_SCORE, SURE_GAP)
    if sure is not None:
        return Resolution(_scored(sure))
    return Resolution(None, tuple(_scored(found) for found in ranked[:MAX_SUGGESTIONS]))


def named_track(track: Track) -> Named:
    """Tracks are typed by their title, id or role name ("data scientist")."""
    return Named(track.id, (track.title, track.id, *((track.role,) if track.role else ())))


def rank_tracks(
    tracks: Iterable[Track], typed: str, limit: int | None = None
) -> list[ranking.Ranked[Track]]:
    """Tracks by what a member typed, as skills are ranked."""
    return ranking.rank(tracks, typed, named_track, SKILL_RULES, limit=limit)


def _scored(found: ranking.Ranked[SkillChoice]) -> SkillChoice:
    return replace(found.item, score=found.score)
