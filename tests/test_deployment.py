"""Deployment files: docker-compose restarts a crashed bot but stops on a configuration error;
requirements match the code that needs them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.cli import EXIT_CONFIG, EXIT_INVALID
from bot.discord.runner import EXIT_CONFIG as RUNNER_EXIT_CONFIG

ROOT = Path(__file__).resolve().parents[1]


def test_compose_gives_up_on_a_bot_that_keeps_failing() -> None:
    """`unless-stopped` or `always` would restart a rejected token (exit code 2) forever."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    policy = compose["services"]["bot"]["restart"]
    match = re.fullmatch(r"on-failure:(\d+)", policy)
    assert match is not None, policy
    assert 1 <= int(match.group(1)) <= 5
    assert 0 not in {EXIT_CONFIG, EXIT_INVALID, RUNNER_EXIT_CONFIG}  # failures, so counted


def test_the_restart_policy_is_documented() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    policy = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert f"`restart: {policy['services']['bot']['restart']}`" in text


def test_the_pillow_requirement_has_what_the_roadmap_card_uses() -> None:
    """`ImageFont.load_default(size=...)` (bot/roadmap/card.py) came in Pillow 10.1."""
    card = (ROOT / "bot" / "roadmap" / "card.py").read_text(encoding="utf-8")
    assert "load_default(size=" in card
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'"Pillow>=(\d+)\.(\d+)', pyproject)
    assert found is not None and (int(found[1]), int(found[2])) >= (10, 1)
