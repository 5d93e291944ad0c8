"""Trying givefirst locally, with no platform: ``demo`` and ``shell``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shlex
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import datetime, timedelta

import click

from adapters.console import ConsoleSession
from adapters.console.demo import DEMO_ADMINS, DEMO_COMMUNITY, STORY, setting_up
from bot.clock import FakeClock, SystemClock
from bot.sign_in import DashboardAccess
from givefirst.bootstrap import running
from givefirst.cli.context import (
    Invocation,
    console_community_key,
    database_named,
    pass_invocation,
    readable_text,
    run,
)

STORY_LENGTH = timedelta(days=3, hours=2)
"""How long ago the demo's story starts: it ends about now, so what it leaves behind
looks like this week's (the follow-up comes after three days in the story)."""


@click.command()
@click.option(
    "--database-url",
    "demo_url",
    default=None,
    hidden=True,
    help="Same as givefirst --database-url.",
)
@pass_invocation
def demo(invocation: Invocation, demo_url: str | None) -> None:
    """Play a short story of a small community, and keep it to explore afterwards.

    The community (console:demo, or console:demo-2 and on if that is taken) stays in
    the database, with dates of the last few days."""
    url = demo_url or invocation.database_url
    key = run(lambda: _demo(url))
    where = database_named(url)
    # The commands to try next find the demo where it was played: in the database
    # given on the command line, which the environment would not point them to.
    given = url is not None and url != os.environ.get("DATABASE_URL")
    flag = f" --database-url {shlex.quote(url)}" if given and url else ""
    click.echo(
        f"\nThe demo community stays in {where} as {key}. Look around:\n"
        f"  givefirst{flag} stats\n"
        f"  givefirst{flag} digest --community {key} --dry-run\n"
        f'  givefirst{flag} match --community {key} "help with my pitch deck"\n'
        f"  givefirst{flag} shell --community {key} --admin ana   "
        "(carry on as its members: /as dana)"
    )


async def _demo(url: str | None) -> str:
    now = SystemClock().now().replace(second=0, microsecond=0)
    clock = FakeClock(now - STORY_LENGTH)
    async with running(url, clock, matching=True) as runtime:
        key = DEMO_COMMUNITY
        taken = 1
        while await runtime.bot.community(key) is not None:
            taken += 1
            key = f"{DEMO_COMMUNITY}-{taken}"
        out = sys.stdout
        session = ConsoleSession(runtime.bot, key, out, advance=clock.advance, admins=DEMO_ADMINS)
        backstage = ConsoleSession(runtime.bot, key, io.StringIO(), admins=DEMO_ADMINS)
        for user, line in setting_up(clock.now()):
            await backstage.run(line, as_=user)
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
        clock.advance(timedelta(hours=1))
        preview = await runtime.bot.digest_preview(key)
        if preview is not None:
            community, digest = preview
            out.write(
                f"\n(What `givefirst digest --community {key} --dry-run` shows: "
                "the weekly digest so far, as it would be posted.)\n"
            )
            session.chat.preview(digest, channel=community.channel_id)
        out.write(
            "\nThat's givefirst: offers first, double opt-in introductions, follow-ups, "
            "thanks and paying it forward.\n"
        )
        return key


@click.command()
@click.option(
    "--community",
    "community_key",
    callback=console_community_key,
    default="console:shell",
    show_default=True,
    help="Community key to act in.",
)
@click.option(
    "--admin",
    "admins",
    multiple=True,
    callback=readable_text,
    default=("admin",),
    show_default=True,
    help="Handles treated as admins (repeat for more).",
)
@click.option(
    "--as",
    "user",
    default="",
    callback=readable_text,
    help="The member you start as  [default: the first --admin].",
)
@pass_invocation
def shell(invocation: Invocation, community_key: str, admins: tuple[str, ...], user: str) -> None:
    """Type commands as different members: `/as dana`, `/ask …`, press buttons by number.

    Everything is kept in the database, so a later session carries on. `/help` lists
    what you can type; `/givefirst dashboard` (as an admin) gives a sign-in link to the
    dashboard that `givefirst web` serves."""
    access = invocation.settings.dashboard(fallback_url=WEB_URL)
    # Not a made-up member: whoever starts the shell is its first admin unless told.
    _shell(invocation.database_url, community_key, admins, user or admins[0], access)


WEB_URL = "http://127.0.0.1:8080"
"""Where ``givefirst web`` serves the dashboard by default."""


def _shell(
    url: str | None,
    community_key: str,
    admins: tuple[str, ...],
    user: str,
    access: DashboardAccess,
) -> None:
    """Read a line, run it, print what the members would see; until /quit, Ctrl-D or
    Ctrl-C. Lines are read outside the event loop, so Ctrl-C leaves at once."""
    interactive = sys.stdin.isatty()
    clock = _ShiftedClock()
    with asyncio.Runner() as runner:
        stack = AsyncExitStack()
        runtime = runner.run(
            stack.enter_async_context(running(url, clock, matching=True, dashboard=access))
        )
        try:
            session = ConsoleSession(
                runtime.bot,
                community_key,
                sys.stdout,
                advance=clock.shift,
                admins=admins,
                user=user,
                echo=not interactive,
            )
            runner.run(session.open())
            read = _line_editor() if interactive else _piped
            if interactive:
                click.echo(
                    f"givefirst shell — {community_key}, kept in {database_named(url)}. "
                    "/help for help, /quit or Ctrl-D to leave."
                )
                click.echo(session.help(), nl=False)
            while True:
                try:
                    line = read(f"@{session.user}> ")
                except (EOFError, KeyboardInterrupt):
                    line = None
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                try:
                    runner.run(session.run(line))
                except KeyboardInterrupt:
                    click.echo("\n(stopped)")
                    break
            if interactive:
                click.echo("\nBye — everything is kept; `givefirst shell` carries on.")
        finally:
            runner.run(stack.aclose())


def _piped(prompt: str) -> str | None:
    """A line from a pipe or file, with no prompt; None at the end. Bytes that are not
    UTF-8 become "�", as they would in a chat."""
    return sys.stdin.buffer.readline().decode("utf-8", "replace") or None


def _typed(prompt: str) -> str | None:
    """A line from the terminal; what a terminal in another encoding sent that is not
    UTF-8 becomes "�"."""
    return input(prompt).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _line_editor() -> Callable[[str], str | None]:
    """Lines from the terminal, with history on the arrow keys and Tab completing the
    commands (where Python has readline)."""
    with contextlib.suppress(ImportError):
        import readline

        words = [
            "/offer ",
            "/ask ",
            "/skills ",
            "/thanks ",
            "/givefirst ",
            "/as ",
            "/press ",
            "/react ",
            "/wait ",
            "/help",
            "/quit",
        ]

        def complete(text: str, state: int) -> str | None:
            found = [w for w in words if w.startswith(text)]
            return found[state] if state < len(found) else None

        readline.set_completer(complete)
        readline.set_completer_delims(" \t\n")
        readline.parse_and_bind("tab: complete")
    return _typed


class _ShiftedClock(SystemClock):
    """Real time plus however long the shell user has waited with ``/wait``."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return super().now() + self._offset

    def shift(self, delta: timedelta) -> None:
        self._offset += delta
