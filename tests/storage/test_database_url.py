from __future__ import annotations

import pytest

from storage import database_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "sqlite+aiosqlite:///givefirst.db"),
        ("", "sqlite+aiosqlite:///givefirst.db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://user@host/db", "postgresql+psycopg://user@host/db"),
        ("postgres://user:secret@host:5433/db", "postgresql+psycopg://user:secret@host:5433/db"),
        ("postgresql+psycopg2://user@host/db", "postgresql+psycopg://user@host/db"),
        ("postgresql+psycopg://user@host/db", "postgresql+psycopg://user@host/db"),
        (
            "postgresql://user@host/db?sslmode=require",
            "postgresql+psycopg://user@host/db?sslmode=require",
        ),
    ],
)
def test_database_url_accepts_the_forms_people_write(raw: str | None, expected: str) -> None:
    assert database_url(raw) == expected


def test_database_url_keeps_escaped_passwords() -> None:
    assert database_url("postgresql://ana:p%40ss@host/db") == (
        "postgresql+psycopg://ana:p%40ss@host/db"
    )


def test_database_url_refuses_databases_we_do_not_support() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        database_url("mysql://user@host/db")
