"""What went wrong, in a line or two that says what to do: the one place where the
command line turns database, configuration and file errors into messages.

``givefirst --debug`` (or ``LOG_LEVEL=DEBUG``) shows the traceback instead.
"""

from __future__ import annotations

import errno
import re
import sys
from dataclasses import dataclass

import click
from pydantic import ValidationError
from sqlalchemy import exc

from bot.ports import StorageUnavailable
from givefirst.cli.context import database_named
from storage.database import UnreadableDatabaseUrl, UnsupportedDatabase

USAGE = 2
"""Exit status for a mistake in how givefirst was called or configured."""
FAILED = 1
"""Exit status for anything else that stopped it."""

_DOES_NOT_EXIST = re.compile(r'database "([^"]+)" does not exist')
_ROLE_MISSING = re.compile(r'role "([^"]+)" does not exist')
_BIND_ADDRESS = re.compile(r"address \('(?P<host>[^']*)', (?P<port>\d+)")


@dataclass(frozen=True)
class Explained:
    message: str
    exit_code: int = FAILED


def explain(error: BaseException, database_url: str | None) -> Explained | None:
    """The message for ``error``, or None for one nobody foresaw (shown with a hint
    to run again with ``--debug``)."""
    if isinstance(error, ModuleNotFoundError) and (error.name or "").startswith("psycopg"):
        return Explained(
            "PostgreSQL needs its driver, psycopg, which is missing from this "
            "installation: pip install 'psycopg[binary]' (or reinstall givefirst).",
            USAGE,
        )
    if isinstance(error, UnsupportedDatabase):
        return Explained(
            f"DATABASE_URL: givefirst runs on SQLite and PostgreSQL, not {error.backend}: "
            "use e.g. sqlite:///givefirst.db or postgresql://user:password@host/dbname.",
            USAGE,
        )
    if isinstance(error, UnreadableDatabaseUrl):
        return Explained(f"DATABASE_URL cannot be used: {error}.", USAGE)
    if isinstance(error, exc.ArgumentError) and "URL" in str(error):
        return Explained(
            "DATABASE_URL is not a database URL I can read: use e.g. "
            "sqlite:///givefirst.db or postgresql://user:password@host/dbname.",
            USAGE,
        )
    if _is_alembic_error(error) and "Can't locate revision" in str(error):
        return Explained(
            "This database was set up by a newer version of givefirst than this one: run "
            "that version, or restore the backup made before upgrading.",
            USAGE,
        )
    if isinstance(error, exc.DBAPIError | StorageUnavailable):
        return _database_problem(error, database_url)
    if (unreachable := _unreachable(error)) is not None:
        return unreachable
    if (taken := _cannot_listen(error)) is not None:
        return taken
    if isinstance(error, PermissionError | FileNotFoundError | IsADirectoryError):
        where = f" {error.filename}" if error.filename else ""
        return Explained(f"Cannot use{where}: {error.strerror or error}.")
    return None


def _unreachable(error: BaseException) -> Explained | None:
    """A chat platform this machine could not connect to (no network, a name that does
    not resolve, a firewall): not givefirst's failure, nor one to report."""
    aiohttp = sys.modules.get("aiohttp")  # unless it was loaded, this is not its error
    if aiohttp is None or not isinstance(error, aiohttp.ClientConnectorError):
        return None
    return Explained(
        f"Could not reach {error.host}: {_short(str(error.os_error))}. Check this "
        "machine's network connection (and the platform's API URL, if you set one), "
        "then start again."
    )


def _cannot_listen(error: BaseException) -> Explained | None:
    """An address to listen on that is taken (another givefirst, say) or not this
    machine's."""
    if not isinstance(error, OSError) or error.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
        return None
    found = _BIND_ADDRESS.search(str(error))
    where = f"{found['host']}:{found['port']}" if found else "that address"
    if error.errno == errno.EADDRINUSE:
        return Explained(
            f"Cannot listen on {where}: something is already listening there (givefirst "
            "started twice?). Stop it, or choose another port.",
            USAGE,
        )
    return Explained(
        f"Cannot listen on {where}: it is not an address of this machine. Choose another "
        "--host (127.0.0.1 for this machine alone, 0.0.0.0 for every address).",
        USAGE,
    )


class UnusableSettings(click.ClickException):
    """Settings that cannot be used: a setting to fix (exit status 2)."""

    exit_code = USAGE


def unusable_settings(invalid: ValidationError) -> str:
    """Which settings cannot be used, and why, one line each."""
    lines = [
        f"{'.'.join(str(part) for part in error['loc']).upper()}={error['input']!r}: {error['msg']}"
        for error in invalid.errors()
    ]
    return "These settings cannot be used:\n" + "\n".join(lines)


def unforeseen(error: BaseException) -> str:
    return (
        f"Something went wrong: {type(error).__name__}: {error}\n"
        "Run the same command with --debug to see where, and please report it."
    )


def _database_problem(error: BaseException, database_url: str | None) -> Explained:
    said = str(getattr(error, "orig", None) or error)
    where = database_named(database_url)
    if missing := _DOES_NOT_EXIST.search(said):
        name = missing.group(1)
        return Explained(
            f"The database {name!r} does not exist on {where.rpartition('/')[0]}: create it with "
            f"`createdb {name}` (or CREATE DATABASE {name}; in psql), then run "
            "`givefirst db upgrade`.",
            USAGE,
        )
    if role := _ROLE_MISSING.search(said):
        return Explained(
            f"PostgreSQL at {where} has no user {role.group(1)!r}: check the user in DATABASE_URL.",
            USAGE,
        )
    if "password authentication failed" in said or "no password supplied" in said:
        return Explained(f"PostgreSQL at {where} refused the password: check DATABASE_URL.", USAGE)
    if "unable to open database file" in said:
        return Explained(
            f"Cannot open the SQLite database {where}: check that its folder exists and "
            "that you may write there.",
            USAGE,
        )
    if "readonly database" in said or "read-only" in said:
        return Explained(
            f"Cannot write to the SQLite database {where}: check that you may write both to "
            "it and to its folder (SQLite keeps its journal files beside it)."
        )
    if "file is not a database" in said:
        return Explained(
            f"{where} is not a SQLite database (some other file?): point DATABASE_URL at a "
            "givefirst database, or at a new file to start one.",
            USAGE,
        )
    if "database is locked" in said:
        return Explained(
            f"The SQLite database {where} is busy (another givefirst is writing to it): "
            "try again in a moment."
        )
    if "no such table" in said or ("does not exist" in said and "relation" in said):
        return Explained(
            f"The database {where} is not set up for this version: run `givefirst db upgrade`.",
            USAGE,
        )
    first = said.strip().splitlines()[0] if said.strip() else type(error).__name__
    reason = first.rpartition("failed: ")[2].strip() or first
    return Explained(
        f"Cannot reach the database at {where} ({_short(reason)}): is the server running, "
        "and is DATABASE_URL right?"
    )


def _short(reason: str) -> str:
    return reason if len(reason) <= 160 else reason[:157] + "…"


def _is_alembic_error(error: BaseException) -> bool:
    from alembic.util.exc import CommandError  # loaded only to migrate, and here

    return isinstance(error, CommandError)
