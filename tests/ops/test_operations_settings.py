"""The operations settings: defaults, parsing and refusals."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError


def test_defaults_keep_metrics_off_and_memory_bounded() -> None:
    settings = Settings.from_env({"DATABASE_URL": "sqlite+aiosqlite:///x.sqlite3"})
    assert settings.metrics_port is None and settings.metrics_host == "127.0.0.1"
    assert settings.knowledge_cache_mb == 512 and settings.max_server_entries == 20_000
    assert settings.kb_sync_seconds == 0.5


def test_values_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "sqlite+aiosqlite:///x.sqlite3",
            "METRICS_PORT": "9108",
            "METRICS_HOST": "0.0.0.0",
            "KNOWLEDGE_CACHE_MB": "2048",
            "MAX_SERVER_ENTRIES": "500",
            "KB_SYNC_SECONDS": "30",
        }
    )
    assert (settings.metrics_port, settings.metrics_host) == (9108, "0.0.0.0")
    assert (settings.knowledge_cache_mb, settings.max_server_entries) == (2048, 500)
    assert settings.kb_sync_seconds == 30.0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("METRICS_PORT", "70000", "METRICS_PORT must be 1-65535"),
        ("METRICS_PORT", "http", "METRICS_PORT must be a whole number"),
        ("KNOWLEDGE_CACHE_MB", "0", "KNOWLEDGE_CACHE_MB must be at least 1"),
        ("MAX_SERVER_ENTRIES", "-5", "MAX_SERVER_ENTRIES must be at least 1"),
        ("KB_SYNC_SECONDS", "soon", "KB_SYNC_SECONDS must be a number of seconds"),
        ("KB_SYNC_SECONDS", "-1", "KB_SYNC_SECONDS must be between 0 and 3600"),
    ],
)
def test_unusable_values_are_refused_with_their_name(name: str, value: str, message: str) -> None:
    env = {"DATABASE_URL": "sqlite+aiosqlite:///x.sqlite3", name: value}
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
