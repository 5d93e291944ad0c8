"""Three `givefirst scheduler` processes on PostgreSQL share the give-first rounds of a
dozen Slack workspaces, whose API answers half the conversation openings after two
seconds; the one waiting on an answer is killed (SIGKILL) or stopped (SIGTERM) after
it planned rounds and before it delivered them all. Every member of every round is
introduced once: the others send what the stopped one had not, and whatever it had
posted is found in the conversation's history rather than posted again."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import SystemClock
from bot.domain import Community, Member, RoundParticipant
from givefirst.testing.fake_slack import FakeSlack
from storage import Storage
from tests.reliability.conftest import GRACE, Process, Processes, start_scheduler, until

pytestmark = pytest.mark.postgres

WORKSPACES = 12
MEMBERS = "ABCD"


def slow_half(args: dict[str, object]) -> float:
    """Conversations opened for even-numbered workspaces answer after two seconds."""
    first = str(args.get("users", "U0000A")).split(",")[0]
    return 2.0 if int(first[1:5]) % 2 == 0 else 0.0


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.grant("im:history", "mpim:history")
        fake.slow("conversations.open", slow_half)
        yield fake


async def workspaces_with_a_round_due(storage: Storage) -> None:
    """Rounds every week at this hour, set up yesterday: this hour's round is due."""
    now = SystemClock().now()
    async with storage.unit_of_work() as uow:
        for n in range(WORKSPACES):
            community = Community(
                key=f"slack:T{n:04d}",
                channel_id=f"C{n:04d}",
                created_at=now,  # too young for a digest: the rounds alone go out
                rounds_every_weeks=1,
                rounds_weekday=now.weekday(),
                rounds_hour=now.hour,
                rounds_since=now - timedelta(days=1),
            )
            await uow.communities.add(community)
            assert community.id is not None
            for letter in MEMBERS:
                member = Member(
                    community.id, f"U{n:04d}{letter}", f"Member {letter}", joined_at=now
                )
                await uow.members.add(member)
                assert member.id is not None
                await uow.rounds.join(RoundParticipant(community.id, member.id, now))
        await uow.commit()


def introduced(slack: FakeSlack) -> Counter[str]:
    """How many round introductions each member was in, as posted on Slack."""
    seen: Counter[str] = Counter()
    for call in slack.calls("chat.postMessage"):
        text = str(call.args.get("text", ""))  # "☕ Give-first round: @Member A and …"
        if call.ok and "meet each other" in text:
            # The members it mentions, as Slack's blocks name them.
            blocks = json.dumps(call.args.get("blocks", []))
            seen.update(set(re.findall(r'"user_id": "(U\d{4}[A-D])"', blocks)))
    return seen


async def rounds_with_one_process_stopped(
    storage: Storage, processes: Processes, slack: FakeSlack, signum: signal.Signals
) -> tuple[Counter[str], int | None]:
    await workspaces_with_a_round_due(storage)
    tokens = [f"xoxb-process-{n}" for n in range(3)]
    schedulers: list[Process] = [
        await start_scheduler(
            processes, n, storage, {"SLACK_BOT_TOKEN": token, "SLACK_API_URL": slack.api_url}
        )
        for n, token in enumerate(tokens)
    ]

    def waiting() -> int | None:
        return next((n for n, t in enumerate(tokens) if slack.awaiting_answer(t)), None)

    try:
        n = await until(waiting, within=30, what="a scheduler waiting on Slack mid-round")
    except TimeoutError:
        pytest.fail(processes.outputs())
    victim = schedulers[n]
    victim.send(signum)
    code = await victim.exited(within=GRACE + 5)
    everyone = {f"U{w:04d}{letter}" for w in range(WORKSPACES) for letter in MEMBERS}
    try:
        await until(
            lambda: set(introduced(slack)) >= everyone or None,
            within=60,
            what="every member introduced",
        )
    except TimeoutError:
        pytest.fail(f"introduced: {sorted(introduced(slack))}\n{processes.outputs()}")
    await asyncio.sleep(2.0)  # anything sent twice would show by now
    for survivor in schedulers:
        survivor.send(signal.SIGTERM)
    for survivor in schedulers:
        await survivor.exited(within=GRACE + 5)
    return introduced(slack), code


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_every_member_of_a_round_is_introduced_once_when_a_scheduler_stops(
    postgres: Storage, processes: Processes, slack: FakeSlack, signum: signal.Signals
) -> None:
    seen, code = await rounds_with_one_process_stopped(postgres, processes, slack, signum)
    assert len(seen) == WORKSPACES * len(MEMBERS), "nobody missed"
    assert set(seen.values()) == {1}, f"nobody introduced twice: {seen.most_common(3)}"
    pairs = [
        c
        for c in slack.calls("chat.postMessage")
        if c.ok and "meet each other" in str(c.args.get("text", ""))
    ]
    assert len(pairs) == WORKSPACES * 2, "two pairs in each workspace, each introduced once"
    assert code == (0 if signum == signal.SIGTERM else -signal.SIGKILL)
