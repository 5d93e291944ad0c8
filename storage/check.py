"""``givefirst check`` for the database: can it be reached, and is its schema current?

Nothing is created or migrated here: a SQLite file that does not exist yet is
reported, not made, and the schema's revision is read, not changed.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.checks import CHECK_SECONDS, Check
from storage.database import (
    _is_sqlite_memory,
    alembic_config,
    create_engine,
    database_url,
    schema_revisions,
)

UPGRADE = "run `givefirst db upgrade` (the serving commands also do it when they start)"


@dataclass(frozen=True)
class DatabaseReport:
    checks: list[Check]
    readable: bool
    """Whether the database can be read as this version of givefirst stores it (it is
    reachable and its schema is current), so what it holds can be checked too."""


async def check_database(raw_url: str | None, *, seconds: float = CHECK_SECONDS) -> DatabaseReport:
    """Whether the database ``raw_url`` names (default: givefirst.db here) is reachable,
    writable where that can be seen, and migrated to this version's schema."""
    try:
        url = make_url(database_url(raw_url))
    except (ValueError, ArgumentError) as error:
        return _unusable(
            Check.fail(
                "database",
                f"DATABASE_URL cannot be used: {error}",
                "write it as sqlite:///path/to/givefirst.db or postgresql://user@host/database",
            )
        )
    if url.get_backend_name() == "sqlite":
        problem = _sqlite_problem(url)
        if problem is not None:
            return _unusable(problem)
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return _unusable(
                Check.fail(
                    "database",
                    "DATABASE_URL is a PostgreSQL URL, but its driver (psycopg) is not installed",
                    "pip install 'givefirst[postgres]'",
                )
            )
    where = _describe(url)
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            current = await connection.run_sync(_current_revisions)
    except TimeoutError:
        return _unusable(
            Check.fail(
                "database",
                f"{where} did not answer within {seconds:g} s",
                "check that the server is up and reachable from here, and DATABASE_URL's host",
            )
        )
    except DBAPIError as error:
        return _unusable(_connection_refused(url, where, error))
    finally:
        await engine.dispose()
    found = schema(current)
    return DatabaseReport([Check.ok("database", f"{where}: reachable"), found], not found.failed)


def schema(current: set[str]) -> Check:
    """Whether the schema at revisions ``current`` is the one this version needs."""
    # Alembic is loaded by the commands that use it, not by every process (see
    # storage.migrations.HEAD).
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError

    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    if current == heads:
        return Check.ok("schema", f"current (revision {', '.join(sorted(heads))})")
    if not current:
        return Check.fail("schema", "empty: givefirst's tables have not been made yet", UPGRADE)
    try:
        pending = [r.revision for r in script.iterate_revisions(tuple(heads), tuple(current))]
    except RevisionError:
        return Check.fail(
            "schema",
            f"at revision {', '.join(sorted(current))}, which this version of givefirst does "
            "not know: a newer version has migrated it",
            "run the newer version of givefirst (or restore a backup made before its upgrade)",
        )
    return Check.fail(
        "schema",
        f"{len(pending)} migration{'s' if len(pending) != 1 else ''} to apply "
        f"(at {', '.join(sorted(current))}, this version needs {', '.join(sorted(heads))})",
        UPGRADE,
    )


def _current_revisions(connection: Connection) -> set[str]:
    return set(schema_revisions(connection))


def _unusable(check: Check) -> DatabaseReport:
    return DatabaseReport([check], False)


def _describe(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {Path(url.database or '').resolve()}"
    return f"PostgreSQL database {url.database} on {url.host or 'localhost'}:{url.port or 5432}"


def _sqlite_problem(url: URL) -> Check | None:
    """Why givefirst could not keep data in this SQLite file, if it could not."""
    if _is_sqlite_memory(url):
        return Check.warn(
            "database",
            "SQLite in memory: everything is lost when the process exits, and processes "
            "do not share it",
            "set DATABASE_URL to a file (sqlite:///givefirst.db) or PostgreSQL",
        )
    path = Path(url.database or "").expanduser().resolve()
    folder = path.parent
    if not folder.is_dir():
        return Check.fail(
            "database",
            f"the folder of the SQLite file {path} does not exist",
            f"create {folder}, or point DATABASE_URL at a folder that exists",
        )
    if not path.exists():
        if not os.access(folder, os.W_OK | os.X_OK):
            return Check.fail(
                "database",
                f"no SQLite file at {path} yet, and the folder {folder} cannot be written "
                "by this user to make one",
                f"give the user givefirst runs as write access to {folder}, then: {UPGRADE}",
            )
        return Check.fail("database", f"no SQLite file at {path} yet", UPGRADE)
    if not os.access(path, os.R_OK | os.W_OK):
        return Check.fail(
            "database",
            f"the SQLite file {path} cannot be written by this user",
            f"give the user givefirst runs as write access to {path}",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return Check.fail(
            "database",
            f"the folder {folder} cannot be written by this user, and SQLite keeps its "
            "journal files beside the database",
            f"give the user givefirst runs as write access to {folder}",
        )
    return None


def _connection_refused(url: URL, where: str, error: DBAPIError) -> Check:
    reason = str(error.orig or error)
    # libpq: 'connection to server at "h", port p failed: FATAL:  database "x" does not exist'
    said = reason.strip().splitlines()[0].rpartition("failed: ")[2] if reason.strip() else ""
    said = said.removeprefix("FATAL:").strip()
    if f'database "{url.database}" does not exist' in reason:
        return Check.fail(
            "database",
            f"{where}: the server is up, but the database {url.database} does not exist",
            f"create it (createdb -h {url.host or 'localhost'} -p {url.port or 5432} "
            f"-U {url.username or 'postgres'} {url.database}), then {UPGRADE.removeprefix('run ')}",
        )
    if "authentication failed" in reason or ("role" in reason and "does not exist" in reason):
        return Check.fail(
            "database", f"{where}: {said}", "check the user and password in DATABASE_URL"
        )
    if "refused" in reason or "could not connect" in reason or "timeout" in reason.lower():
        return Check.fail(
            "database",
            f"{where}: nothing answers there ({said or 'connection refused'})",
            "start PostgreSQL there, or correct the host and port in DATABASE_URL",
        )
    return Check.fail("database", f"{where}: {said}", "check DATABASE_URL and the server's log")
