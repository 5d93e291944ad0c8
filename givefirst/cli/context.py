"""What every command gets: the settings, the database to use, and an event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import click

from givefirst.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Invocation:
    """The options given to ``givefirst`` itself, for its subcommands."""

    settings: Settings
    database_url: str | None


pass_invocation = click.make_pass_decorator(Invocation)


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run async work to completion from a command."""

    async def main() -> T:
        return await coro_fn()

    return asyncio.run(main())
