"""Help-forum posts without Discord: the question a post asks, what became of each post, and
the counts /kb stats shows (on every backend)."""

from __future__ import annotations

from sqlalchemy import select

from bot.answers.ask import QUESTION_MAX
from bot.answers.forum import PostOutcome, Resolution, post_question
from bot.db.models import ForumPost, UnansweredDaily
from bot.moderation.insights import ForumCounts
from bot.services import Services

GUILD, OTHER = 51, 52


def test_a_post_reads_title_and_message_together() -> None:
    assert post_question("  Getting into   MLOps? ", "I know\n\nDocker  well.") == (
        "Getting into MLOps?\nI know Docker well."
    )
    assert post_question("Getting into MLOps?", "") == "Getting into MLOps?"  # only an image
    assert post_question("Getting into MLOps?", " \n ") == "Getting into MLOps?"
    assert post_question("", "what is kaggle") == "what is kaggle"


def test_a_long_post_is_cut_between_words_at_the_ask_limit() -> None:
    question = post_question("Salary question", "word " * 400)
    assert len(question) <= QUESTION_MAX and question.startswith("Salary question\nword")
    assert question.endswith("word") and len(question) > QUESTION_MAX - len("word ")
    one_huge_word = post_question("Title", "x" * 5000)
    assert len(one_huge_word) == QUESTION_MAX  # no space to cut at: cut inside the word


async def test_a_post_keeps_its_first_outcome_and_a_pick_answers_it(services: Services) -> None:
    posts = services.forum_posts
    await posts.record(GUILD, 1, PostOutcome.SUGGESTED)
    await posts.record(GUILD, 1, PostOutcome.ANSWERED, "kaggle")  # recorded once only
    assert await rows(services) == [(1, GUILD, "suggested", None, None)]
    await posts.picked(1, "kaggle")
    await posts.picked(99, "kaggle")  # a post never recorded: nothing to update
    assert await rows(services) == [(1, GUILD, "answered", "kaggle", None)]


async def test_resolving_a_post_records_it_even_if_it_was_not_new(services: Services) -> None:
    posts = services.forum_posts
    await posts.record(GUILD, 1, PostOutcome.ANSWERED, "kaggle")
    await posts.resolve(GUILD, 1, "kaggle", Resolution.NOT_SOLVED)
    await posts.resolve(GUILD, 1, "kaggle", Resolution.SOLVED)  # changed their mind
    await posts.resolve(GUILD, 2, "sql", Resolution.SOLVED)  # opened before the bot started
    assert await rows(services) == [
        (1, GUILD, "answered", "kaggle", "solved"),
        (2, GUILD, "answered", "sql", "solved"),
    ]


async def test_stats_count_answered_solved_and_left_for_humans(services: Services) -> None:
    posts = services.forum_posts
    await posts.record(GUILD, 1, PostOutcome.ANSWERED, "kaggle")
    await posts.resolve(GUILD, 1, "kaggle", Resolution.SOLVED)
    await posts.record(GUILD, 2, PostOutcome.ANSWERED, "sql")
    await posts.resolve(GUILD, 2, "sql", Resolution.NOT_SOLVED)
    await posts.record(GUILD, 3, PostOutcome.UNANSWERED)
    await posts.record(GUILD, 4, PostOutcome.SUGGESTED)
    await posts.record(OTHER, 5, PostOutcome.UNANSWERED)
    stats = await services.insights.stats(GUILD)
    assert stats.forum == ForumCounts(posts=4, answered=2, solved=1, left_for_humans=2)
    assert (await services.insights.stats(OTHER)).forum == ForumCounts(1, 0, 0, 1)
    assert (await services.insights.stats(53)).forum == ForumCounts()


async def test_a_post_without_an_answer_is_a_gap_under_its_title(services: Services) -> None:
    title = "Weather on Mars tomorrow?"
    result = await services.ask.ask(f"{title}\nWhat will it be like?", GUILD, noted_as=title)
    assert result.entry is None
    assert [gap.text for gap in await services.insights.gaps(GUILD)] == [title]
    await services.ask.ask("what is the weather on mars", GUILD)  # elsewhere: normalised text
    async with services.sessions() as session:
        texts = set(await session.scalars(select(UnansweredDaily.text)))
    assert title in texts and len(texts) == 2


async def rows(services: Services) -> list[tuple[object, ...]]:
    async with services.sessions() as session:
        found = await session.scalars(select(ForumPost).order_by(ForumPost.thread_id))
        return [(p.thread_id, p.guild_id, p.outcome, p.entry_id, p.resolution) for p in found.all()]
