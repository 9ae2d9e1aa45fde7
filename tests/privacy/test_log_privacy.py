"""Error log lines never carry a member's id, not even inside a button's custom id."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.config import Settings
from bot.discord.app import create_bot
from bot.discord.errors import without_ids
from bot.services import Services
from tests.harness import make_user, run_bot


@pytest.fixture
def db_url(tmp_path: Any) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


async def test_a_failing_button_is_logged_without_the_user_id(
    settings: Settings,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice = make_user("alice")

    async def broken(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services.privacy, "delete_user", broken)
    caplog.set_level(logging.ERROR, logger="bot.discord.errors")
    async with run_bot(lambda: create_bot(settings, services=services), user=alice) as h:
        await h.slash("mydata", subcommand="delete")
        clicked = await h.click(f"careerbot:mydata-delete:{alice['id']}")
        await clicked.wait("followup")
    [record] = [r for r in caplog.records if r.name == "bot.discord.errors"]
    assert record.getMessage().startswith("error ")
    assert record.getMessage().endswith(
        f" in component careerbot:mydata-delete:<id> in guild {h.guild and h.guild['id']}"
    )
    assert alice["id"] not in caplog.text  # the message, nor the traceback


def test_custom_ids_keep_their_shape_without_ids() -> None:
    assert without_ids("careerbot:pick:1183346543217098752:kaggle") == "careerbot:pick:<id>:kaggle"
    assert without_ids("careerbot:rm-reset:123456789012345678:portfolio") == (
        "careerbot:rm-reset:<id>:portfolio"
    )
    kept = ["careerbot:page:kaggle:12", "careerbot:kbgap:add:7:0123456789abcdef", "a1b2"]
    assert [without_ids(custom_id) for custom_id in kept] == kept
