"""Settings: `.env` in the working directory (the environment wins), bad values as one line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.config import ENV_FILE, Settings, SettingsError, read_env_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Start in an empty directory with the real `.env` lookup (conftest turns it off)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bot.config.ENV_FILE", ENV_FILE)
    for name in ("DISCORD_TOKEN", "DEV_GUILD_ID", "LOG_LEVEL", "ASK_RATE", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_env_file_lines_as_docker_compose_reads_them(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# CareerBot\n"
        "\n"
        "DISCORD_TOKEN=abc.def-ghi\n"
        "DEV_GUILD_ID=123456789012345678   # optional: your test server\n"
        "export ASK_RATE = 7\n"
        'QUOTED="two words # not a comment"\n'
        "SINGLE='x'\n"
        "EMPTY=\n",
        encoding="utf-8",
    )
    assert read_env_file(env) == {
        "DISCORD_TOKEN": "abc.def-ghi",
        "DEV_GUILD_ID": "123456789012345678",
        "ASK_RATE": "7",
        "QUOTED": "two words # not a comment",
        "SINGLE": "x",
        "EMPTY": "",
    }
    assert read_env_file(tmp_path / "absent.env") == {}


def test_a_broken_env_line_is_named_without_its_secret(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DEV_GUILD_ID=1\nmy token is s3cret\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        read_env_file(env)
    assert str(caught.value) == f"{env} line 2 is not NAME=value"


def test_env_file_in_the_working_directory_is_read_and_the_environment_wins(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".env").write_text("DISCORD_TOKEN=from-file\nDEV_GUILD_ID=42\n", encoding="utf-8")
    settings = Settings.from_env()
    assert settings.discord_token == "from-file" and settings.dev_guild_id == 42
    monkeypatch.setenv("DEV_GUILD_ID", "7")
    assert Settings.from_env().dev_guild_id == 7


def test_the_cli_reads_env_too(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make run` with a `.env` must not silently open the chat: the file's token is used."""
    (workdir / ".env").write_text("DISCORD_TOKEN=from-file\n", encoding="utf-8")
    seen: list[str | None] = []

    def fake_discord(settings: Settings, *, sync: bool = False) -> int:
        seen.append(settings.discord_token)
        return 0

    monkeypatch.setattr("bot.discord.runner.run_discord", fake_discord)
    assert run_cli(["run"]) == 0
    assert seen == ["from-file"]
    (workdir / ".env").write_text("ASK_RATE=lots\n", encoding="utf-8")
    assert run_cli(["ask", "hi"]) == 2
    assert capsys.readouterr().err == "careerbot: ASK_RATE must be a whole number, got 'lots'\n"


def test_a_real_process_reads_env_from_where_it_starts(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=chatty\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "validate", str(ROOT / "knowledge")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (
        2,
        "careerbot: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'chatty'\n",
    )


@pytest.mark.parametrize(
    ("raw", "level"), [("", "INFO"), ("debug", "DEBUG"), (" warn ", "WARNING")]
)
def test_log_level_names(raw: str, level: str) -> None:
    assert Settings.from_env({"LOG_LEVEL": raw}).log_level == level


def test_an_invalid_log_level_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    assert run_cli(["kb", "validate"]) == 2
    assert capsys.readouterr().err == (
        "careerbot: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'\n"
    )


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_token_is_unset(blank: str) -> None:
    assert Settings.from_env({"DISCORD_TOKEN": blank}).discord_token is None
    assert Settings.from_env({"DISCORD_TOKEN": " abc \n"}).discord_token == "abc"


def test_run_with_a_blank_token_opens_the_terminal_chat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "   ")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}")
    monkeypatch.setenv("MATCHER", "lexical")
    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    assert run_cli(["run"]) == 0
    captured = capsys.readouterr()
    assert "CareerBot here" in captured.out and captured.out.rstrip().endswith("Bye!")
    assert "DISCORD_TOKEN" not in captured.err


def test_a_data_folder_that_cannot_be_made_breaks_only_what_needs_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert run_cli(["kb", "validate"]) == 0
    assert capsys.readouterr().err == ""
    assert run_cli(["db", "upgrade"]) == 2
    assert capsys.readouterr().err == (
        f"careerbot: cannot create the data folder {blocker / 'data' / 'careerbot'}: "
        "Not a directory; set DATABASE_URL to a database you can write to\n"
    )
