"""PostgreSQL goes away in the middle of traffic (a restart: connections dropped, new
ones refused) under a `givefirst slack` and a `givefirst scheduler` process: every
command is still acknowledged within Slack's three seconds, members are told to try
again, nothing is half written, and both recover by themselves once it is back."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.clock import SystemClock
from bot.domain import Community
from givefirst.testing.fake_slack import (
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlack,
    SlackRequests,
    slash_command,
)
from givefirst.testing.tcp_proxy import TcpProxy
from storage import Storage
from tests.reliability.conftest import Processes, free_port, until_healthy, url_of

pytestmark = pytest.mark.postgres

SAVED = "Thank you for giving first"
TRY_AGAIN = "I couldn't save that — please try again in a minute"
LATE_CHANNEL = "C0LATE"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def through(proxy: TcpProxy, storage: Storage) -> str:
    """The database URL, by way of the proxy."""
    url = make_url(url_of(storage)).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


async def stored_offers(storage: Storage) -> list[str]:
    async with storage.unit_of_work() as uow:
        community = await uow.communities.get_by_key(f"slack:{TEAM_ID}")
        if community is None or community.id is None:
            return []
        return sorted(o.text for o in await uow.offers.open_in(community.id))


async def test_the_database_goes_away_and_comes_back(
    postgres: Storage, processes: Processes, slack: FakeSlack
) -> None:
    server = make_url(url_of(postgres))
    loop = asyncio.get_running_loop()
    async with TcpProxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        port = free_port()
        env = {
            "DATABASE_URL": through(proxy, postgres),
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        }
        await processes.start(
            "slack", "slack", "--port", str(port), env=env | {"SLACK_BOT_TOKEN": "xoxb-serving"}
        )
        await processes.start(
            "scheduler", "scheduler", "--every", "1", env=env | {"SLACK_BOT_TOKEN": "xoxb-sched"}
        )
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            await until_healthy(session, base, processes)
            requests = SlackRequests(session, f"{base}/slack/events", SIGNING_SECRET)
            acks: list[float] = []

            async def offer(words: str) -> str:
                """Send ``/offer words`` and return what the member is told."""
                response_url = slack.response_url()
                fields = slash_command("/offer", words, response_url=response_url)
                sent = loop.time()
                reply = await requests.command(fields)
                acks.append(loop.time() - sent)
                assert reply.status == 200
                answer = await slack.wait_for(
                    "response_url", lambda c: c.path.endswith(response_url[-32:]), timeout=20
                )
                return str(answer.args)

            for n in range(3):
                assert SAVED in await offer(f"before {n}")

            await proxy.cut()
            cut_at = loop.time()
            month_ago = SystemClock().now() - timedelta(days=30)
            async with postgres.unit_of_work() as uow:  # due while the scheduler cannot see it
                await uow.communities.add(
                    Community(
                        key="slack:T0LATE",
                        channel_id=LATE_CHANNEL,
                        skip_quiet_weeks=False,
                        created_at=month_ago,
                    )
                )
                await uow.commit()
            during = [await offer(f"during {n}") for n in range(3)]
            assert all(TRY_AGAIN in told for told in during), during
            acks_during = list(acks[3:])
            await asyncio.sleep(max(0.0, 6 - (loop.time() - cut_at)))

            await proxy.restore()
            restored_at = loop.time()
            after = [await offer("after 0")]
            recovered_after = loop.time() - restored_at  # the first member answered "saved"
            after += [await offer(f"after {n}") for n in (1, 2)]
            assert all(SAVED in told for told in after), after
            digest = await slack.wait_for(
                "chat.postMessage", lambda c: c.args.get("channel") == LATE_CHANNEL, timeout=30
            )
            scheduler_back_after = loop.time() - restored_at
            await asyncio.sleep(2)

        for process in processes.started:
            process.send(signal.SIGTERM)
        codes = [await process.exited(within=30) for process in processes.started]

    assert "week" in str(digest.args).lower()
    assert len(slack.messages_in(LATE_CHANNEL)) == 1, "the digest held back went out once"
    assert await stored_offers(postgres) == sorted(
        [f"before {n}" for n in range(3)] + [f"after {n}" for n in range(3)]
    ), "what members were told was saved is there once; what they were told to retry is not"
    assert max(acks) < 3, f"every command acknowledged within Slack's 3 s: {acks}"
    assert codes == [0, 0]
    print(
        f"\nDatabase away for {restored_at - cut_at:.1f} s: {len(acks)} commands, slowest "
        f"acknowledgement {max(acks) * 1000:.0f} ms ({max(acks_during) * 1000:.0f} ms while "
        f"away), {len(during)}/{len(during)} told to try again; once it was back, the first "
        f"command was saved and answered {recovered_after * 1000:.0f} ms later, and the "
        f"digest that fell due meanwhile went out {scheduler_back_after:.1f} s after"
    )
