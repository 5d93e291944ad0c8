"""Three `givefirst scheduler` processes share 64 communities' digests on Slack and
Discord (more than one process leases at a time, so they all send), whose APIs answer
half the posts after 2–3 seconds; the one with posts in flight on both is stopped
mid-send, as a deploy (SIGTERM) or a crash (SIGKILL) would. Every digest arrives, and
none twice: a stopped process hands on what it has not started and finishes the rest;
a killed one's messages move on once its short lease runs out, and the platforms drop
the resends (Discord by nonce; Slack when givefirst may read the channel's history)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text

from adapters.discord.chat import nonce
from bot.clock import SystemClock
from bot.domain import Community
from bot.ports import SendOnce
from givefirst.testing.fake_discord import FakeDiscord
from givefirst.testing.fake_slack import FakeSlack
from storage import Storage
from tests.reliability.conftest import GRACE, Process, Processes, start_scheduler, until

pytestmark = pytest.mark.postgres

SLACK_CHANNELS = [f"C{n:04d}" for n in range(32)]
DISCORD_GUILD = 1_300_000_000_100_000_000
DISCORD_CHANNELS = [1_300_000_000_200_000_000 + n for n in range(32)]


def slow_half(channel: str) -> float:
    """Half the destinations answer after 2 to 3 seconds, the others at once."""
    n = int(channel[-2:])
    return 2.0 + (n % 3) / 2 if n % 2 == 0 else 0.0


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.slow("chat.postMessage", lambda args: slow_half(str(args.get("channel", "00"))))
        yield fake


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        for n, channel in enumerate(DISCORD_CHANNELS):
            fake.add_channel(channel, DISCORD_GUILD + n, f"offers-{n}")
        fake.slow("POST", r"/channels/\d+/messages", lambda path, body: slow_half(path[:-9]))
        yield fake


@dataclass
class Figures:
    """What a scenario measured. In flight: posts the stopped process had handed to
    the platform without recording them (answers still to come when it was stopped;
    after a kill, also those answered but not yet recorded)."""

    in_flight_slack: int
    in_flight_discord: int
    duplicates_slack: int
    duplicates_discord: int
    misses: int
    recovered_after: float
    exit_code: int | None
    exited_after: float

    def __str__(self) -> str:
        return (
            f"in flight when stopped: {self.in_flight_slack} Slack, "
            f"{self.in_flight_discord} Discord; duplicates: {self.duplicates_slack} Slack, "
            f"{self.duplicates_discord} Discord; misses: {self.misses}; every digest out "
            f"{self.recovered_after:.1f} s after the signal; the process exited "
            f"({self.exit_code}) after {self.exited_after:.1f} s"
        )


async def communities_with_digests_due(storage: Storage) -> None:
    month_ago = SystemClock().now() - timedelta(days=30)
    keys = [(f"slack:T{c}", c) for c in SLACK_CHANNELS]
    keys += [(f"discord:{DISCORD_GUILD + n}", str(c)) for n, c in enumerate(DISCORD_CHANNELS)]
    async with storage.unit_of_work() as uow:
        for key, channel in keys:
            await uow.communities.add(
                Community(key=key, channel_id=channel, skip_quiet_weeks=False, created_at=month_ago)
            )
        await uow.commit()


async def arrived_unrecorded(
    storage: Storage, victim: Process, slack: FakeSlack, discord: FakeDiscord
) -> tuple[int, int]:
    """Of the messages a killed process held, those the platforms already have."""
    async with storage.engine.connect() as connection:
        held = (
            await connection.execute(
                text(
                    "SELECT o.key, c.key, c.channel_id FROM outbox o"
                    " JOIN communities c ON c.id = o.community_id"
                    " WHERE o.status = 'pending' AND o.claimed_by LIKE :owner"
                ),
                {"owner": f"{victim.pid}-%"},
            )
        ).all()
    on_slack = {
        m["metadata"]["event_payload"]["key"]
        for c in SLACK_CHANNELS
        for m in slack.messages_in(c)
        if "metadata" in m
    }
    on_discord = {m.get("nonce") for c in DISCORD_CHANNELS for m in discord.messages_in(c)}
    since = SystemClock().now()
    return (
        sum(key in on_slack for key, community, _ in held if community.startswith("slack:")),
        sum(
            nonce(SendOnce(key, since), f"channel:{channel}") in on_discord
            for key, community, channel in held
            if community.startswith("discord:")
        ),
    )


async def pending(storage: Storage) -> int:
    async with storage.engine.connect() as connection:
        return int(
            await connection.scalar(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
            or 0
        )


async def deploy(
    storage: Storage,
    processes: Processes,
    slack: FakeSlack,
    discord: FakeDiscord,
    signum: signal.Signals,
) -> Figures:
    """Start three schedulers, stop the one sending with ``signum`` mid-send, and
    measure until every digest is out."""
    await communities_with_digests_due(storage)
    loop = asyncio.get_running_loop()
    tokens = [(f"xoxb-process-{n}", f"discord.process-{n}") for n in range(3)]
    discord.tokens |= {d for _, d in tokens}
    schedulers: list[Process] = [
        await start_scheduler(
            processes,
            n,
            storage,
            {
                "SLACK_BOT_TOKEN": slack_token,
                "SLACK_API_URL": slack.api_url,
                "DISCORD_TOKEN": discord_token,
                "DISCORD_API_URL": discord.api_url,
            },
        )
        for n, (slack_token, discord_token) in enumerate(tokens)
    ]

    def sending() -> int | None:
        """The process with posts in flight on both platforms, if one has them."""
        return next(
            (
                n
                for n, (s, d) in enumerate(tokens)
                if slack.awaiting_answer(s) and discord.awaiting_answer(d)
            ),
            None,
        )

    try:
        n = await until(sending, within=30, what="a scheduler sending on both platforms")
    except TimeoutError:
        posted = (
            [c.token for c in slack.calls("chat.postMessage")],
            [c.token for c in discord.calls("POST", r"/channels/\d+/messages")],
        )
        pytest.fail(f"posted (Slack, Discord): {posted}\n{processes.outputs()}")
    victim = schedulers[n]
    in_flight = (slack.awaiting_answer(tokens[n][0]), discord.awaiting_answer(tokens[n][1]))
    stopped_at = loop.time()
    victim.send(signum)
    exit_times: list[float] = []
    exiting = asyncio.ensure_future(victim.exited(within=GRACE + 5))
    exiting.add_done_callback(lambda _: exit_times.append(loop.time() - stopped_at))
    if signum == signal.SIGKILL:
        await victim.exited(within=5)
        in_flight = await arrived_unrecorded(storage, victim, slack, discord)

    def all_out() -> bool:
        slack_out = all(slack.messages_in(c) for c in SLACK_CHANNELS)
        return slack_out and all(discord.messages_in(c) for c in DISCORD_CHANNELS)

    await until(all_out, within=60, what="every digest out")
    recovered_after = loop.time() - stopped_at
    exit_code = await exiting
    await asyncio.sleep(0)
    [exited_after] = exit_times
    for _ in range(100):
        if not await pending(storage):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # anything sent twice would show by now
    for survivor in schedulers:
        survivor.send(signal.SIGTERM)
    for survivor in schedulers:
        assert await survivor.exited(within=GRACE + 5) in (0, -signal.SIGKILL)
    counts = [len(slack.messages_in(c)) for c in SLACK_CHANNELS]
    counts_discord = [len(discord.messages_in(c)) for c in DISCORD_CHANNELS]
    return Figures(
        in_flight_slack=in_flight[0],
        in_flight_discord=in_flight[1],
        duplicates_slack=sum(c - 1 for c in counts if c > 1),
        duplicates_discord=sum(c - 1 for c in counts_discord if c > 1),
        misses=counts.count(0) + counts_discord.count(0),
        recovered_after=recovered_after,
        exit_code=exit_code,
        exited_after=exited_after,
    )


async def test_a_scheduler_stopped_mid_send_loses_and_repeats_nothing(
    postgres: Storage, processes: Processes, slack: FakeSlack, discord: FakeDiscord
) -> None:
    figures = await deploy(postgres, processes, slack, discord, signal.SIGTERM)
    print(f"\nSIGTERM mid-send: {figures}")
    assert figures.in_flight_slack and figures.in_flight_discord, "stopped mid-send"
    assert (figures.duplicates_slack, figures.duplicates_discord, figures.misses) == (0, 0, 0)
    assert figures.exit_code == 0
    assert figures.recovered_after < 10, "the others took over at once"


async def test_a_scheduler_killed_mid_send_loses_nothing_and_the_platforms_drop_resends(
    postgres: Storage, processes: Processes, slack: FakeSlack, discord: FakeDiscord
) -> None:
    slack.grant("channels:history")
    figures = await deploy(postgres, processes, slack, discord, signal.SIGKILL)
    print(f"\nSIGKILL mid-send, history readable: {figures}")
    assert figures.in_flight_slack and figures.in_flight_discord, "killed mid-send"
    assert (figures.duplicates_slack, figures.duplicates_discord, figures.misses) == (0, 0, 0)
    assert figures.recovered_after < 30, "seconds, not the five minutes of old"


async def test_without_the_history_scope_slack_repeats_at_most_what_was_in_flight(
    postgres: Storage, processes: Processes, slack: FakeSlack, discord: FakeDiscord
) -> None:
    figures = await deploy(postgres, processes, slack, discord, signal.SIGKILL)
    print(f"\nSIGKILL mid-send, history not readable: {figures}")
    assert figures.misses == 0 and figures.duplicates_discord == 0
    assert figures.duplicates_slack <= figures.in_flight_slack
