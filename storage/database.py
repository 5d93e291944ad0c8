"""Connecting to the database: URLs, engines, migrations and units of work."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

from storage.directory import DirectorySession
from storage.mapping import start_mappers
from storage.migrations import HEAD
from storage.sqlite_driver import one_trip_dbapi
from storage.unit_of_work import SqlAlchemyUnitOfWork, WriterTurns

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///givefirst.db"
MIGRATIONS = Path(__file__).parent / "migrations"

_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"}
_POSTGRES_DRIVERS = {
    "postgres",
    "postgresql",
    "postgresql+psycopg",
    "postgresql+psycopg2",
    "postgresql+asyncpg",
    "postgresql+pg8000",
}


class UnsupportedDatabase(ValueError):
    """A database URL for a database givefirst does not run on."""

    def __init__(self, backend: str) -> None:
        super().__init__(f"unsupported database {backend!r}: use a sqlite:/// or postgresql:// URL")
        self.backend = backend


class UnreadableDatabaseUrl(ArgumentError):
    """A ``DATABASE_URL`` that cannot be read, and how to write it."""


def database_url(raw: str | None) -> str:
    """Turn a ``DATABASE_URL`` as people write it into one our async drivers accept.

    Nothing (or an empty string) means a SQLite file ``givefirst.db`` in the working
    directory; any SQLite URL uses aiosqlite and any PostgreSQL URL (including
    Heroku-style ``postgres://``) uses psycopg 3.
    """
    if raw is None or not raw.strip():
        return DEFAULT_DATABASE_URL
    try:
        url = make_url(raw.strip())
    except ValueError:  # a port that is not a number
        raise UnreadableDatabaseUrl("its port is not a number (write host:5432)") from None
    if url.drivername in _SQLITE_DRIVERS and url.host:
        raise UnreadableDatabaseUrl(
            f"a SQLite URL has three slashes before a file's path: "
            f"sqlite:///{url.host}{'/' + url.database if url.database else ''}"
        )
    if url.drivername in _SQLITE_DRIVERS:
        url = url.set(drivername="sqlite+aiosqlite")
    elif url.drivername in _POSTGRES_DRIVERS:
        url = url.set(drivername="postgresql+psycopg")
    else:
        raise UnsupportedDatabase(url.drivername)
    return url.render_as_string(hide_password=False)


def _is_sqlite_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def create_engine(url: str | None, **options: Any) -> AsyncEngine:
    """An async engine for ``url`` (normalised with :func:`database_url`).

    SQLite connections enforce foreign keys and, for files, use write-ahead
    logging so readers do not block the writer; every transaction takes the write
    lock when it begins, waiting up to 30 s for it (see :func:`_configure_sqlite`).

    PostgreSQL connections are pooled and checked before use, since workers live
    long and the server may restart under them: a connection that died is replaced
    on its next use, so the pool recovers by itself once the server is back.
    Connecting gives up after a few seconds, and a connection whose server stopped
    answering (a failover, a cut network) is noticed within about ten seconds by TCP
    keepalives and ``tcp_user_timeout``, rather than hanging for many minutes.
    """
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() == "sqlite":
        options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_SECONDS)
        if "module" not in options and (faster := one_trip_dbapi()) is not None:
            options["module"] = faster  # see storage/sqlite_driver.py
        engine = create_async_engine(parsed, **options)
        _configure_sqlite(engine, wal=not _is_sqlite_memory(parsed))
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 5)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_recycle", 1800)
    options.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    connect_args = options.setdefault("connect_args", {})
    for name, value in POSTGRES_CONNECT_ARGS.items():
        if name not in parsed.query:  # the URL's own settings win
            connect_args.setdefault(name, value)
    return create_async_engine(parsed, **options)


SQLITE_BUSY_SECONDS = 30
"""How long a SQLite transaction waits for another process's to finish."""
READ_ONLY = "givefirst_read_only"
"""The execution option that marks a unit of work that only reads."""
POOL_TIMEOUT_SECONDS = 10
"""How long a unit of work waits for a free pooled PostgreSQL connection."""
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # milliseconds
}
"""libpq settings for every PostgreSQL connection, unless the URL sets them."""


def _configure_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    """Foreign keys, write-ahead logging, and ``BEGIN IMMEDIATE`` transactions.

    SQLite's usual transactions start as readers and take the write lock at their
    first write; if another process wrote in between, that write fails at once with
    "database is locked" (waiting cannot help, since the reader's snapshot is stale).
    Beginning every transaction with the write lock makes concurrent writers wait
    their turn instead (up to :data:`SQLITE_BUSY_SECONDS`), which is what a small
    deployment with a few processes on one file wants."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            # WAL with synchronous=NORMAL: no corruption on a crash, one fsync per
            # checkpoint instead of one per commit (a power cut may lose the last commits).
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # The driver begins no transactions of its own; `_on_begin` does.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A unit of work that only reads begins as a reader: with write-ahead logging it
        # sees the last commit and holds no lock (see Storage.reading).
        reads_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration for our migrations, without an ``alembic.ini``.

    Works from a source checkout and from an installed wheel alike. With ``url``
    the migration environment opens its own connection (as for ``alembic revision
    --autogenerate`` run from Python); :meth:`Storage.upgrade` shares its own.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser treats % as interpolation, and URLs may contain escapes.
        config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


# Any constant shared by every givefirst process; it names the migration lock.
_MIGRATION_LOCK_ID = 0x6769766566697273


def schema_revisions(connection: Connection) -> list[str]:
    """The revisions the schema is at, from Alembic's ``alembic_version`` table, read
    without loading Alembic; none for a new database."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return []
    return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _current_revision(connection: Connection) -> str | None:
    found = schema_revisions(connection)
    return found[0] if found else None  # the migrations are one line: one revision


def _up_to_date(connection: Connection) -> bool:
    return schema_revisions(connection) == [HEAD]


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Workers starting together take turns; the later ones find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


_migration_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _migration_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _migration_locks.get(loop)
    if lock is None:
        lock = _migration_locks[loop] = asyncio.Lock()
    return lock


class Storage:
    """Everything the composition root needs from the database.

    ``storage = Storage.connect(os.environ.get("DATABASE_URL"))``, then
    ``await storage.upgrade()`` once, ``storage.unit_of_work()`` per use case, and
    ``await storage.dispose()`` on shutdown.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        start_mappers()
        self.engine = engine
        self.session_factory = async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=DirectorySession
        )
        self._turns = WriterTurns(SQLITE_BUSY_SECONDS) if engine.dialect.name == "sqlite" else None
        self.reading_session_factory = async_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}),
            expire_on_commit=False,
            sync_session_class=DirectorySession,
        )

    @classmethod
    def connect(cls, url: str | None = None, **engine_options: Any) -> Storage:
        return cls(create_engine(url, **engine_options))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory, self._turns)

    def reading(self) -> SqlAlchemyUnitOfWork:
        """A unit of work that only reads: on SQLite it takes no write lock, so it
        neither waits for writers nor keeps them waiting (see :func:`create_engine`)."""
        return SqlAlchemyUnitOfWork(self.reading_session_factory)

    async def revision(self) -> str | None:
        """The schema's version (its newest migration), or None for a new database."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(_current_revision)

    async def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to date with Alembic; running it again changes nothing
        (and a schema already up to date is seen to be without loading Alembic)."""
        if revision == "head":
            reading = self.engine.execution_options(**{READ_ONLY: True})
            async with reading.connect() as connection:
                if await connection.run_sync(_up_to_date):
                    return
        # Alembic keeps its migration context in module globals, so upgrades within
        # one process must not interleave; across processes the database lock rules.
        async with _migration_lock(), self.engine.begin() as connection:
            await connection.run_sync(_upgrade, revision)

    async def dispose(self) -> None:
        await self.engine.dispose()
