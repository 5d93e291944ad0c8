"""SQLite through aiosqlite, one trip to its thread per statement.

aiosqlite runs each SQLite connection in a thread of its own; SQLAlchemy's adapter
goes there and back four times for every statement (to make a cursor, to execute,
to fetch the rows, to close the cursor). A trip costs about 0.1 ms on an idle
machine and up to a few milliseconds when other threads hold the interpreter, while
the statements givefirst runs take microseconds: the trips were most of what a
command spent in SQLite. Here a statement is made, executed, fetched and closed in
one function run in aiosqlite's thread, and SQLAlchemy reads what it left behind.

Passed to SQLAlchemy as the ``module`` of the ``sqlite+aiosqlite`` dialect (see
:func:`storage.database.create_engine`); everything else is the dialect's own.
Streamed results (server-side cursors) keep SQLAlchemy's cursor. It builds on private
parts of aiosqlite (``Connection._execute``, ``_conn``) and of SQLAlchemy's adapter
(the hooks :class:`OneTripCursor` overrides): :func:`one_trip_dbapi` falls back to
SQLAlchemy's own adapter when they are missing, and ``tests/storage/test_sqlite_driver.py``
fails when the one-trip path is not the one in use, so an upgrade that changes them is
noticed.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

Description = tuple[tuple[Any, ...], ...] | None
_Ran = tuple[Description, int, int | None, list[Any] | None]


class _Done:
    """What a statement left behind, where SQLAlchemy looks for a driver's cursor."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        """Nothing to close: the driver's cursor was closed in its thread."""


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool) -> _Ran:
    """In aiosqlite's thread: the statement run and its rows fetched, all at once."""
    cursor: sqlite3.Cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Done()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        in_its_thread: Callable[..., Awaitable[_Ran]] = driver._execute
        async with self._adapt_connection._execute_mutex:
            description, rowcount, lastrowid, rows = await in_its_thread(
                _run, driver, operation, parameters, many
            )
        done: _Done = self._cursor  # type: ignore[assignment]
        done.description, done.rowcount, done.lastrowid = description, rowcount, lastrowid
        if rows is not None:
            self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy's adapter presents it, with :class:`OneTripCursor`."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI | None:
    """The module to give SQLAlchemy for SQLite; None, for SQLAlchemy's own, if the
    installed SQLAlchemy or aiosqlite no longer has what this one builds on."""
    cursor, connection = AsyncAdapt_aiosqlite_cursor, aiosqlite.Connection
    builds_on = (
        *(hasattr(cursor, name) for name in _CURSOR_HOOKS),
        hasattr(AsyncAdapt_aiosqlite_connection, "_execute_mutex"),
        hasattr(connection, "_execute"),
        hasattr(connection, "_conn"),
    )
    return OneTripDBAPI(aiosqlite, sqlite3) if all(builds_on) else None


_CURSOR_HOOKS = (
    "_make_new_cursor",
    "_aenter_cursor",
    "_execute_async",
    "_executemany_async",
    "_awaitable_cursor_close",
)


__all__: Sequence[str] = ("OneTripCursor", "OneTripDBAPI", "one_trip_dbapi")
