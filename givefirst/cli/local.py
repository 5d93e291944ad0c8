"""Trying givefirst locally, with no platform: ``demo`` and ``shell``."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from adapters.console import ConsoleSession
from adapters.console.demo import DEMO_ADMINS, DEMO_COMMUNITY, STORY
from bot.clock import FakeClock, SystemClock
from bot.sign_in import DashboardAccess
from givefirst.bootstrap import running
from givefirst.cli.context import Invocation, pass_invocation, run


@click.command()
@click.option(
    "--database-url",
    "demo_url",
    default=None,
    help="Play the demo into this database instead of a temporary SQLite file.",
)
def demo(demo_url: str | None) -> None:
    """Play a short scripted story of a small community on a local database."""
    with tempfile.TemporaryDirectory() as folder:
        url = demo_url or f"sqlite:///{Path(folder) / 'demo.db'}"
        run(lambda: _demo(url))


async def _demo(url: str) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    async with running(url, clock, matching=True) as runtime:
        out = sys.stdout
        session = ConsoleSession(
            runtime.bot, DEMO_COMMUNITY, out, advance=clock.advance, admins=DEMO_ADMINS
        )
        out.write(
            "givefirst demo — a small community gives first.\n"
            "Every message below is what a platform would show, and to whom.\n"
        )
        for user, line in STORY:
            if line.startswith("press:"):
                session.user = user
                await session.press_labelled(line.removeprefix("press:"))
            else:
                await session.run(line, as_=user)
        out.write(
            "\n@ana> givefirst digest --dry-run   (the weekly digest, as it would be posted)\n"
        )
        clock.advance(timedelta(hours=1))
        preview = await runtime.bot.digest_preview(DEMO_COMMUNITY, days=8)
        if preview is not None:
            community, digest = preview
            await session.chat.send(digest, default_channel=community.channel_id)
        out.write(
            "\nThat's givefirst: offers first, double opt-in introductions, follow-ups, "
            "thanks and paying it forward.\n"
        )


@click.command()
@click.option(
    "--community",
    "community_key",
    default="console:shell",
    show_default=True,
    help="Community key to act in.",
)
@click.option(
    "--admin",
    "admins",
    multiple=True,
    default=("admin",),
    show_default=True,
    help="Handles treated as admins.",
)
@pass_invocation
def shell(invocation: Invocation, community_key: str, admins: tuple[str, ...]) -> None:
    """Type commands as different members: `/as dana`, `/ask …`, press buttons by number.

    `/givefirst dashboard` (as an admin) gives a sign-in link to the dashboard that
    `givefirst web` serves."""
    access = invocation.settings.dashboard(fallback_url=WEB_URL)
    run(lambda: _shell(invocation.database_url, community_key, admins, access))


WEB_URL = "http://127.0.0.1:8080"
"""Where ``givefirst web`` serves the dashboard by default."""


async def _shell(
    url: str | None, community_key: str, admins: tuple[str, ...], access: DashboardAccess
) -> None:
    clock = _ShiftedClock()
    async with running(url, clock, matching=True, dashboard=access) as runtime:
        session = ConsoleSession(
            runtime.bot, community_key, sys.stdout, advance=clock.shift, admins=admins
        )
        interactive = sys.stdin.isatty()
        if interactive:
            sys.stdout.write("givefirst shell — /help for help, /quit to leave.\n")
        while True:
            if interactive:
                sys.stdout.write(f"@{session.user}> ")
                sys.stdout.flush()
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            await session.run(line)


class _ShiftedClock(SystemClock):
    """Real time plus however long the shell user has waited with ``/wait``."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return super().now() + self._offset

    def shift(self, delta: timedelta) -> None:
        self._offset += delta
