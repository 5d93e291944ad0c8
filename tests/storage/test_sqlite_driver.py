"""SQLite statements run in one trip to aiosqlite's thread (storage/sqlite_driver.py):
what SQLAlchemy reads of a statement — its rows, how many rows it changed, the id it
inserted, its errors — is what SQLite said, and a failed statement leaves the
connection usable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import create_engine
from storage.sqlite_driver import OneTripCursor


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT UNIQUE NOT NULL)")
        )
    yield engine
    await engine.dispose()


def _trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every function aiosqlite runs in its thread."""
    made: list[str] = []
    run: Callable[..., Awaitable[object]] = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: object, *args: object) -> object:
        made.append(getattr(fn, "__name__", repr(fn)))
        return await run(self, fn, *args)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return made


async def test_a_query_is_one_trip_to_the_driver_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, aiosqlite.Connection)
        assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)  # type: ignore[union-attr]
        await connection.execute(text("SELECT 0"))  # the transaction begins
        made = _trips(monkeypatch)
        rows = (await connection.execute(text("SELECT 1, 'two'"))).all()
        assert [tuple(row) for row in rows] == [(1, "two")]
        assert made == ["_run"]  # SQLAlchemy's adapter made four: cursor, run, fetch, close


async def test_what_sqlalchemy_reads_of_a_statement_is_what_sqlite_said(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"),
            [{"body": "b"}, {"body": "c"}, {"body": "🙂 مرحبا"}],
        )
        changed = await connection.execute(text("UPDATE notes SET body = body || '!' WHERE id > 1"))
        assert changed.rowcount == 3
        nothing = await connection.execute(text("UPDATE notes SET body = 'x' WHERE id = 99"))
        assert nothing.rowcount == 0
        empty = await connection.execute(text("SELECT body FROM notes WHERE id = 99"))
        assert empty.all() == []
        found = await connection.execute(text("SELECT id, body FROM notes ORDER BY id"))
        assert list(found.keys()) == ["id", "body"]
        assert [tuple(row) for row in found] == [
            (1, "a"),
            (2, "b!"),
            (3, "c!"),
            (4, "🙂 مرحبا!"),
        ]


async def test_a_failed_statement_raises_sqlites_error_and_the_connection_goes_on(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
        with pytest.raises(IntegrityError, match="UNIQUE constraint failed"):
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
        await connection.rollback()
        rows = await connection.execute(text("SELECT count(*) FROM notes"))
        assert rows.scalar_one() == 0  # the first insert went with the rollback


async def test_statements_from_many_tasks_each_get_their_own_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"),
            [{"body": f"note {n}"} for n in range(50)],
        )

    async def body_of(n: int) -> str:
        async with engine.connect() as connection:
            found = await connection.execute(
                text("SELECT body FROM notes WHERE id = :id"), {"id": n + 1}
            )
            return str(found.scalar_one())

    assert await asyncio.gather(*(body_of(n) for n in range(50))) == [
        f"note {n}" for n in range(50)
    ]


async def test_a_statement_cancelled_midway_leaves_the_database_usable(
    engine: AsyncEngine,
) -> None:
    """A command stopped while its statement runs (a shutdown, a time limit): the next
    one writes as usual, where SQLAlchemy's own adapter left the write lock taken and
    the next transaction failed with "database is locked"."""
    slow = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
        "SELECT sum(x) FROM c"
    )

    async def long() -> int:
        async with engine.begin() as connection:  # holds the write lock while it runs
            return int((await connection.execute(slow)).scalar_one())

    running = asyncio.create_task(long())
    await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('after')"))
    async with engine.connect() as connection:
        found = await connection.execute(text("SELECT body FROM notes"))
        assert found.scalars().all() == ["after"]
