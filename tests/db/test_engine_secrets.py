"""DATABASE_URL secrets stay out of every line the bot prints or logs, and a URL that cannot
work is one line, never a traceback; statement parameters never reach errors or logs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.cli import run_cli
from bot.db.engine import create_engine, describe_failure, migrate, redact, session_factory
from bot.db.models import UnansweredDaily

SECRET = "hunter2secret"


@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        (
            f"postgresql+asyncpg://bot:{SECRET}@127.0.0.1:99999/x",
            "invalid DATABASE_URL postgresql+asyncpg://bot:***@127.0.0.1:99999/x",
            "port 99999 is outside 1-65535",
        ),
        (
            f"postgresql+asyncpg://bot:{SECRET}@127.0.0.1:99x/x",
            "invalid DATABASE_URL postgresql+asyncpg://bot:***@127.0.0.1:99x/x",
            "invalid literal for int() with base 10: '99x'",
        ),
        (
            f"postgresql+asyncpg://bot:{SECRET}@[::1/x?sslpassword={SECRET}",
            "invalid DATABASE_URL postgresql+asyncpg://bot:***@[::1/x?sslpassword=***",
            "invalid literal for int() with base 10: ':1'",
        ),
        (
            "postgresql+asyncpg://bot:hun@ter2/secret@127.0.0.1:9/x",
            "invalid DATABASE_URL postgresql+asyncpg://bot:***@127.0.0.1:9/x",
            'write each "@" in the password as %40',
        ),
        (
            f"postgresql+asyncpg://bot@127.0.0.1:9/x?password={SECRET}&timeout=soon",
            "cannot use database postgresql+asyncpg://bot@127.0.0.1:9/x?password=***&timeout=soon",
            "unsupported operand type(s) for +: 'float' and 'str'",  # asyncpg's, in one line
        ),
        (
            f"postgresql+asyncpg://bot:{SECRET}@127.0.0.1:9/x?sslmode=bogus",
            "cannot use database postgresql+asyncpg://bot:***@127.0.0.1:9/x?sslmode=bogus",
            "connect() got an unexpected keyword argument 'sslmode'",
        ),
        (
            f"{SECRET} is not a url",
            "invalid DATABASE_URL (not shown: it is not a URL like "
            "postgresql+asyncpg://user:password@host/db)",
            "Could not parse SQLAlchemy URL from given URL string",
        ),
    ],
    ids=["port", "port-text", "ipv6", "at-sign", "query", "option", "not-a-url"],
)
def test_an_unusable_url_is_one_redacted_line(
    url: str,
    shown: str,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert run_cli(["db", "upgrade"]) == 2
    assert capsys.readouterr().err == f"careerbot: {shown}: {reason}\n"


def test_doctor_hides_a_password_given_as_a_parameter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER", "lexical")
    monkeypatch.setenv("DATABASE_URL", f"postgresql+asyncpg://bot@db:5432/x?Password={SECRET}")
    assert run_cli(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "database:   postgresql+asyncpg://bot@db:5432/x?Password=***\n" in out
    assert SECRET not in out


def test_redact_and_describe_failure_take_out_every_secret() -> None:
    assert redact(f"postgresql+asyncpg://bot:{SECRET}@db/x") == "postgresql+asyncpg://bot:***@db/x"
    assert redact(f"postgresql://db/x?user=bot&pwd={SECRET}&pass={SECRET}") == (
        "postgresql://db/x?user=bot&pwd=***&pass=***"
    )
    assert redact("sqlite+aiosqlite:///tmp/x.db") == "sqlite+aiosqlite:///tmp/x.db"
    engine = create_engine(f"postgresql+asyncpg://bot:{SECRET}@db/x?password={SECRET}")
    failure = describe_failure(
        engine.url, ConnectionError(f"server said: password {SECRET} is wrong\n  at line 3")
    )
    assert failure == (
        "cannot use database postgresql+asyncpg://bot:***@db/x?password=***: "
        "server said: password *** is wrong at line 3"
    )


async def test_statement_parameters_stay_out_of_errors(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate(engine)
        row = {"guild_id": 1, "text": f"my password is {SECRET}", "day": dt.date(2026, 12, 1)}
        async with session_factory(engine).begin() as session:
            await session.execute(insert(UnansweredDaily).values(row))
        with pytest.raises(IntegrityError) as raised:
            async with session_factory(engine).begin() as session:
                await session.execute(insert(UnansweredDaily).values(row))
    finally:
        await engine.dispose()
    assert SECRET not in str(raised.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
