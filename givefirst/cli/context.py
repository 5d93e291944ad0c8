"""What every command gets: the settings, the database to use, and an event loop."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from givefirst.settings import Settings
from storage.database import database_url as normalised

T = TypeVar("T")


@dataclass(frozen=True)
class Invocation:
    """The options given to ``givefirst`` itself, for its subcommands."""

    settings: Settings
    database_url: str | None
    debug: bool = False
    """Show tracebacks rather than explaining errors (``--debug``, ``LOG_LEVEL=DEBUG``)."""


pass_invocation = click.make_pass_decorator(Invocation)

_COMMUNITY_KEY = re.compile(r"(slack|discord|console):(?=\S)[^\x00-\x1f\x7f]{1,100}")
"""A platform, then an id: a team's, a server's, or any name for a console community."""


def readable(value: str) -> str:
    """Text given on the command line, with what was not UTF-8 (a name typed in another
    encoding reaches Python as lone surrogates, which no database or terminal takes)
    read as "�". Paths are left as given: the file system takes them as they are."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def readable_text(_: click.Context, __: click.Parameter, value: Any) -> Any:
    """A callback for a text argument or option (one value, several, or none): each
    read with :func:`readable`."""
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, tuple):
        return tuple(readable(v) if isinstance(v, str) else v for v in value)
    return value


def community_key(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """A ``--community`` option's value, refused unless it reads as a community's key:
    a mistyped key would otherwise be a new, empty community."""
    value = None if value is None else readable(value)
    if value is None or _COMMUNITY_KEY.fullmatch(value):
        return value
    raise click.BadParameter(
        f"{value!r} is not a community key: slack: plus a team ID (slack:T0123), "
        "discord: plus a server ID, or console: plus a name (console:demo)."
    )


def console_community_key(
    context: click.Context, parameter: click.Parameter, value: str | None
) -> str | None:
    """A ``--community`` option of the shell's: a console community's key alone. What
    the shell writes in a Slack or Discord community would never reach its members,
    and its ``/wait`` would move that community's clock."""
    key = community_key(context, parameter, value)
    if key is None or key.startswith("console:"):
        return key
    raise click.BadParameter(
        f"the shell acts in console communities (console:NAME); {key} is served by "
        f"`givefirst {key.partition(':')[0]}`, and what the shell wrote there would never "
        "reach its members."
    )


def database_named(database_url: str | None) -> str:
    """The database as a person would name it: a SQLite file's path, or a server's
    address and database (never its password)."""
    try:
        url = make_url(normalised(database_url))
    except (ValueError, ArgumentError):  # a URL that cannot be read is named as given
        return "DATABASE_URL"
    if url.get_backend_name() == "sqlite":
        return url.database or "memory"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


class NoDatabase(click.ClickException):
    """A database to look at that is not there: a setting to fix, said in one line."""

    exit_code = 2


IN_MEMORY = (
    "The database URL names an in-memory SQLite database, which holds nothing once the "
    "command ends: point --database-url or DATABASE_URL at a file (sqlite:///givefirst.db)."
)


def _sqlite_file(database_url: str | None) -> str | None:
    """The file a SQLite URL names, "" for an in-memory database; None for another
    database, or a URL that cannot be read (explained when the database is opened)."""
    try:
        url = make_url(normalised(database_url))
    except (ValueError, ArgumentError):
        return None
    if url.get_backend_name() != "sqlite":
        return None
    return "" if url.database in (None, ":memory:") else url.database


def in_memory(database_url: str | None) -> bool:
    """Whether the URL names a SQLite database that lives only as long as the process."""
    return _sqlite_file(database_url) == ""


def existing_database(database_url: str | None) -> None:
    """For a command that only looks: a SQLite file that is not there is most likely
    a mistyped path, and the command says so instead of making an empty database there
    and reporting that it is empty."""
    file = _sqlite_file(database_url)
    if not file:
        return
    path = Path(file)
    try:
        missing = path.parent.is_dir() and not path.exists()  # (a missing folder: later)
    except OSError as error:  # a name too long for the file system, say
        raise NoDatabase(
            f"Cannot use {file} as a SQLite database ({error.strerror}): check "
            "--database-url or DATABASE_URL."
        ) from None
    if missing:
        raise NoDatabase(
            f"There is no database at {file}: check --database-url or DATABASE_URL "
            "(`givefirst demo` or `givefirst shell` makes one in this folder)."
        )


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run async work to completion from a command."""

    async def main() -> T:
        try:
            return await coro_fn()
        finally:
            await _sqlite_threads_stopped()

    return asyncio.run(main())


SQLITE_THREAD = "(_connection_worker_thread)"
"""How the name of an aiosqlite connection's thread ends."""
SQLITE_THREAD_WAIT = 2.0
"""Seconds to wait at most for one such thread (one whose connection is still open)."""


async def _sqlite_threads_stopped() -> None:
    """Let SQLite connection threads that are stopping finish while the event loop
    still runs: a database that could not be opened leaves its thread stopping, and
    the thread reports to this loop. Were the loop closed first, the thread would fail
    as Python exits, and Python would abort instead of exiting with the command's
    error."""
    threads = [t for t in threading.enumerate() if t.name.endswith(SQLITE_THREAD)]
    for thread in threads:
        await asyncio.to_thread(thread.join, SQLITE_THREAD_WAIT)
