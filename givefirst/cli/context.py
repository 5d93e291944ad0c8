"""What every command gets: the settings, the database to use, and an event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

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


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run async work to completion from a command."""

    async def main() -> T:
        return await coro_fn()

    return asyncio.run(main())
