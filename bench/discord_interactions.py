"""How fast the Discord bot acknowledges application commands (Discord gives up after 3 seconds).

Runs the real discord.py client against the local fake Discord (gateway websocket and
REST on 127.0.0.1) and sends `/offer` and `/ask` interactions at several concurrency
levels. Latency runs from sending INTERACTION_CREATE on the gateway to the fake receiving
the interaction callback (the deferral). Client and fake share one process and one event
loop, so the figures are an upper bound on the bot's own cost.

    python -m bench.discord_interactions [--interactions N] [--rounds N] [--postgres URL]
                                         [--pause-ms MS]

It measures a bare discord.py client whose commands only defer, and givefirst itself —
on SQLite and, with --postgres or GIVEFIRST_TEST_POSTGRES_URL, on PostgreSQL — in turn,
for several rounds (see :mod:`bench.rounds`), each on a fresh database. givefirst keeps
working after the deferral (storing, matching, posting, following up) on the same event
loop, so that work is included. After warming up, each client's process is settled as
`givefirst discord` settles it before connecting (the start-up heap frozen out of the
garbage collector's full passes).

Each member sends their next command a moment (`--pause-ms`, 5 ms by default) after the
previous one is answered — acknowledged, for the bare client. With no pause at all, one
member's next command lands while givefirst is still taking in the response to the
reply it just sent, so at one member the ack then also measures that overlap (which a
member, reading the reply, never causes); `--pause-ms 0` shows it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import discord
from discord import app_commands

from adapters.discord.client import GiveFirstClient
from bench.backends import backends
from bench.rounds import Ratios
from bot.app import GiveFirst
from bot.clock import SystemClock
from givefirst.bootstrap import settle_before_serving
from givefirst.testing.fake_discord import (
    CHANNEL_ID,
    GUILD_ID,
    OWNER_ID,
    FakeDiscord,
    User,
    command_data,
    connected,
)
from storage import Storage

CONCURRENCY_LEVELS = (1, 20)
MEMBERS = 97
PAUSE_MS = 5.0
"""How long a member waits after an answer before their next command."""


class BareClient(discord.Client):
    """The floor: a command tree whose `/offer` and `/ask` only defer."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="offer", description="offer")
        async def offer(interaction: discord.Interaction[Any], text: str) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)

        @self.tree.command(name="ask", description="ask")
        async def ask(interaction: discord.Interaction[Any], text: str) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)


@dataclass(frozen=True)
class AckFigures:
    concurrency: int
    interactions: int
    errors: int
    p50_ms: float
    p99_ms: float
    per_second: float
    done_p50_ms: float | None = None
    done_p99_ms: float | None = None

    def __str__(self) -> str:
        done = (
            f"{self.done_p50_ms:>10.1f} {self.done_p99_ms:>10.1f}"
            if self.done_p50_ms is not None and self.done_p99_ms is not None
            else f"{'-':>10} {'-':>10}"
        )
        return (
            f"{self.concurrency:>11} {self.interactions:>12} {self.p50_ms:>8.2f} "
            f"{self.p99_ms:>8.2f} {self.per_second:>8.0f} {done} {self.errors:>6}"
        )


HEADER = (
    f"{'concurrency':>11} {'interactions':>12} {'p50 ms':>8} {'p99 ms':>8} "
    f"{'cmds/s':>8} {'done p50':>10} {'done p99':>10} {'errors':>6}"
)

ClientFactory = Callable[[], discord.Client]


async def measure(
    make_client: ClientFactory,
    *,
    interactions: int,
    levels: Sequence[int] = CONCURRENCY_LEVELS,
    set_up: bool = False,
    pause: float = PAUSE_MS / 1000,
) -> list[AckFigures]:
    """Acknowledgement latency per concurrency level; with ``set_up`` (givefirst), each
    level also waits for every command's reply and reports the time to it ("done")."""
    async with FakeDiscord() as fake:
        members = [fake.add_user(OWNER_ID + 1000 + n, f"member{n}") for n in range(MEMBERS)]
        async with connected(make_client()):
            if set_up:  # givefirst posts offers and asks to the configured channel
                await _round_trip(
                    fake,
                    fake.users[OWNER_ID],
                    "givefirst",
                    [
                        {
                            "name": "config",
                            "type": 1,
                            "options": [
                                {"name": "setting", "type": 3, "value": "channel"},
                                {"name": "value", "type": 3, "value": f"<#{CHANNEL_ID}>"},
                            ],
                        }
                    ],
                    wait_for_reply=True,
                )
            await _fire(
                fake, members, interactions=10, concurrency=1, replies=set_up, pause=pause
            )  # warm up
            settle_before_serving()  # as `givefirst discord` does, for both clients
            return [
                await _fire(
                    fake,
                    members,
                    interactions=interactions,
                    concurrency=level,
                    replies=set_up,
                    pause=pause,
                )
                for level in levels
            ]


async def _round_trip(
    fake: FakeDiscord, user: User, name: str, options: list[Any], *, wait_for_reply: bool = False
) -> tuple[float, float | None]:
    """Send one command; return the time to its acknowledgement and, when asked to
    wait for it, to the bot's reply."""
    interaction = fake.new_interaction(user, 2, command_data(name, options))
    started = perf_counter()
    await fake.dispatch("INTERACTION_CREATE", interaction)
    acknowledged = await asyncio.wait_for(fake.acknowledged[interaction["id"]], timeout=10)
    if not wait_for_reply:
        return acknowledged - started, None
    replied = await asyncio.wait_for(fake.replied[interaction["token"]], timeout=60)
    return acknowledged - started, replied - started


async def _fire(
    fake: FakeDiscord,
    members: list[User],
    *,
    interactions: int,
    concurrency: int,
    replies: bool,
    pause: float,
) -> AckFigures:
    """``concurrency`` members send commands, each the next one ``pause`` seconds after
    the previous one is answered (for the bare client, acknowledged: it sends nothing
    more)."""
    pending = iter(range(interactions))
    latencies: list[float] = []
    done: list[float] = []
    errors = 0
    calls_before = len(fake.calls())

    async def member() -> None:
        nonlocal errors
        for n in pending:  # shared by every member, so the total stays bounded
            name, text = (
                ("offer", f"I can help with spreadsheets #excel ({n})")
                if n % 2
                else ("ask", f"how do I pivot a table in a spreadsheet? ({n})")
            )
            try:
                ack, reply = await _round_trip(
                    fake,
                    members[n % len(members)],
                    name,
                    [{"name": "text", "type": 3, "value": text}],
                    wait_for_reply=replies,
                )
            except TimeoutError:
                errors += 1
                continue
            latencies.append(ack)
            if reply is not None:
                done.append(reply)
            await asyncio.sleep(pause)

    started = perf_counter()
    await asyncio.gather(*(member() for _ in range(concurrency)))
    elapsed = perf_counter() - started
    return AckFigures(
        concurrency=concurrency,
        interactions=interactions,
        errors=errors + sum(1 for c in fake.calls()[calls_before:] if c.status >= 400),
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=_p99(latencies) * 1000,
        per_second=len(latencies) / elapsed,
        done_p50_ms=statistics.median(done) * 1000 if done else None,
        done_p99_ms=_p99(done) * 1000 if done else None,
    )


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def givefirst_client(storage: Storage) -> ClientFactory:
    def make() -> discord.Client:
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        return GiveFirstClient(bot, guild_id=GUILD_ID, guild_ready_timeout=0.1)

    return make


async def run(interactions: int, postgres_url: str | None, rounds: int, pause_ms: float) -> None:
    print(
        f"/offer and /ask alternating, {interactions} interactions per level, loopback; "
        f"members pause {pause_ms:g} ms after each answer"
    )
    pause = pause_ms / 1000
    measured = backends(postgres_url)
    ratios = Ratios()
    errors: dict[str, int] = {}
    for round_ in range(1, rounds + 1):
        print(f"round {round_} of {rounds}")
        print("bare discord.py client (commands only defer)")
        print(HEADER)
        bare = await measure(BareClient, interactions=interactions, pause=pause)
        for figures in bare:
            print(figures)
        for name, backend in measured:
            async with backend() as storage:
                print(f"givefirst on {name}")
                print(HEADER)
                mine = await measure(
                    givefirst_client(storage), interactions=interactions, set_up=True, pause=pause
                )
            for figures, floor in zip(mine, bare, strict=True):
                ratio = ratios.add((name, figures.concurrency), figures.p99_ms, floor.p99_ms)
                errors[name] = errors.get(name, 0) + figures.errors
                print(f"{figures}   p99 {ratio:.2f}x bare")
    print(f"givefirst's p99 over {rounds} rounds, as a multiple of the bare client's in the")
    print("same round: median / worst (each round)")
    for name, _ in measured:
        print(f"  {name}, {errors[name]} errors in all")
        for level in CONCURRENCY_LEVELS:
            print(f"  {level:>4} at once: {ratios.summary((name, level))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, default=400, help="interactions per level")
    parser.add_argument("--rounds", type=int, default=3, help="times to measure every client")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GIVEFIRST_TEST_POSTGRES_URL"),
        help="also measure on this PostgreSQL server (default: GIVEFIRST_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--pause-ms",
        type=float,
        default=PAUSE_MS,
        help="how long each member waits after an answer before the next command",
    )
    args = parser.parse_args()
    asyncio.run(run(args.interactions, args.postgres, args.rounds, args.pause_ms))


if __name__ == "__main__":
    main()
