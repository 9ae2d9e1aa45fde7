"""Settings from the environment and `.env` (listed in the README; operations ones in
docs/operations.md)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import overload

from platformdirs import user_cache_dir, user_data_dir

BUNDLED_KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
MATCHERS = ("hybrid", "lexical")
ENV_FILE = Path(".env")  # relative: read from the directory careerbot is started in
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ENV_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def data_folder() -> Path:
    return Path(user_data_dir("careerbot", appauthor=False))


def default_layer_cache_dir() -> Path:
    return Path(user_cache_dir("careerbot", appauthor=False)) / "layers"


def _layer_cache_dir(env: dict[str, str]) -> Path | None:
    raw = env.get("LAYER_CACHE_DIR", "").strip()
    if raw.lower() == "off":
        return None
    return Path(raw) if raw else default_layer_cache_dir()


def default_database_url() -> str:
    """An embedded SQLite file in the user's data directory (here, not in bot.db.engine, so
    reading settings imports no database code). The folder is made when a database is opened
    (bot.db.engine), so commands that need none work where it cannot be created."""
    return f"sqlite+aiosqlite:///{data_folder() / 'careerbot.sqlite3'}"


class SettingsError(ValueError):
    """An environment variable has a value we cannot use."""


def read_env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines of a `.env` file, as Docker Compose reads them; {} when it is absent.

    Blank lines and `#` comments are skipped, `export ` is allowed, a value may be quoted, and
    an unquoted value ends at ` #` (so `DEV_GUILD_ID=123  # my server` works).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise SettingsError(f"cannot read {path}: {reason}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ENV_LINE.match(stripped)
        if match is None:  # never echo the line: it may hold a secret
            raise SettingsError(f"{path} line {number} is not NAME=value")
        name, value = match.groups()
        values[name] = _env_value(value)
    return values


def _env_value(raw: str) -> str:
    if raw[:1] in {'"', "'"} and raw.find(raw[0], 1) > 0:
        return raw[1 : raw.find(raw[0], 1)]
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def environment() -> dict[str, str]:
    """The process environment over `.env`: a variable set in the environment wins."""
    return {**read_env_file(ENV_FILE), **os.environ}


def _log_level(env: dict[str, str]) -> str:
    level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if level == "WARN":
        level = "WARNING"
    if level not in LOG_LEVELS:
        choices = ", ".join(LOG_LEVELS)
        raise SettingsError(f"LOG_LEVEL must be one of {choices}, got {env['LOG_LEVEL']!r}")
    return level


@overload
def _int(env: dict[str, str], name: str, default: int) -> int: ...
@overload
def _int(env: dict[str, str], name: str, default: None) -> int | None: ...
def _int(env: dict[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= 3600:
        raise SettingsError(f"{name} must be between 0 and 3600, got {raw!r}")
    return value


def _int_list(env: dict[str, str], name: str) -> tuple[int, ...]:
    raw = env.get(name, "").replace(" ", "")
    try:
        return tuple(int(part) for part in raw.split(",") if part)
    except ValueError:
        raise SettingsError(f"{name} must be comma-separated numbers, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    discord_token: str | None = None
    database_url: str = field(default_factory=default_database_url)
    knowledge_dir: Path = BUNDLED_KNOWLEDGE
    dev_guild_id: int | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    ask_rate: int = 5
    ask_per_seconds: int = 30
    roadmap_images: bool = True
    kb_sync_seconds: float = 0.5  # version check interval; PostgreSQL notices come at once
    log_level: str = "INFO"
    matcher: str = "hybrid"  # "lexical" turns the sentence model off
    embedding_model: Path | None = None  # a directory with model.onnx + tokenizer.json
    knowledge_cache_mb: int = 512  # memory for servers' own knowledge; least used leave first
    max_server_entries: int = 20_000  # entries a server may add; more are refused
    metrics_port: int | None = None  # Prometheus /metrics and /healthz; off when None
    metrics_host: str = "127.0.0.1"  # 0.0.0.0 to let another container scrape it
    db_connect_timeout: float = 5.0  # seconds to reach the database
    db_statement_timeout: float = 30.0  # seconds one statement may run (PostgreSQL)
    gap_retention_days: int = 90  # unanswered questions are deleted after this many days
    # each server's last known layer, served while the database fails; None: not kept
    layer_cache_dir: Path | None = field(default_factory=lambda: default_layer_cache_dir())

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = environment() if env is None else dict(env)
        settings = cls(
            discord_token=env.get("DISCORD_TOKEN", "").strip() or None,  # blank means unset
            database_url=env.get("DATABASE_URL") or default_database_url(),
            knowledge_dir=Path(env.get("KNOWLEDGE_DIR") or BUNDLED_KNOWLEDGE),
            dev_guild_id=_int(env, "DEV_GUILD_ID", None),
            shard_count=_int(env, "SHARD_COUNT", None),
            shard_ids=_int_list(env, "SHARD_IDS"),
            owner_ids=_int_list(env, "OWNER_IDS"),
            ask_rate=_int(env, "ASK_RATE", 5),
            ask_per_seconds=_int(env, "ASK_PER_SECONDS", 30),
            roadmap_images=env.get("ROADMAP_IMAGES", "1").lower()
            not in {"0", "false", "no", "off"},
            log_level=_log_level(env),
            matcher=(env.get("MATCHER") or "hybrid").strip().lower(),
            embedding_model=Path(env["EMBEDDING_MODEL"]) if env.get("EMBEDDING_MODEL") else None,
            kb_sync_seconds=_float(env, "KB_SYNC_SECONDS", 0.5),
            knowledge_cache_mb=_int(env, "KNOWLEDGE_CACHE_MB", 512),
            max_server_entries=_int(env, "MAX_SERVER_ENTRIES", 20_000),
            metrics_port=_int(env, "METRICS_PORT", None),
            metrics_host=(env.get("METRICS_HOST") or "127.0.0.1").strip(),
            db_connect_timeout=_float(env, "DB_CONNECT_TIMEOUT", 5.0),
            db_statement_timeout=_float(env, "DB_STATEMENT_TIMEOUT", 30.0),
            gap_retention_days=_int(env, "GAP_RETENTION_DAYS", 90),
            layer_cache_dir=_layer_cache_dir(env),
        )
        if settings.matcher not in MATCHERS:
            choices = ", ".join(MATCHERS)
            raise SettingsError(f"MATCHER must be one of {choices}, got {settings.matcher!r}")
        for name, value in (
            ("ASK_RATE", settings.ask_rate),
            ("ASK_PER_SECONDS", settings.ask_per_seconds),
            ("KNOWLEDGE_CACHE_MB", settings.knowledge_cache_mb),
            ("MAX_SERVER_ENTRIES", settings.max_server_entries),
            ("GAP_RETENTION_DAYS", settings.gap_retention_days),
        ):
            if value < 1:
                raise SettingsError(f"{name} must be at least 1, got {value}")
        if settings.metrics_port is not None and not 0 < settings.metrics_port < 65536:
            raise SettingsError(f"METRICS_PORT must be 1-65535, got {settings.metrics_port}")
        if settings.shard_ids and settings.shard_count is None:
            raise SettingsError("SHARD_IDS needs SHARD_COUNT (the total number of shards)")
        if settings.shard_count and any(i >= settings.shard_count for i in settings.shard_ids):
            raise SettingsError("every SHARD_IDS value must be below SHARD_COUNT")
        return replace(settings, **overrides)  # type: ignore[arg-type]
