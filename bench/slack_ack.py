"""How fast a Bolt app acknowledges slash commands over HTTP (Slack gives up after 3 seconds).

Runs the app behind a real aiohttp server on 127.0.0.1, its Web API client aimed at the
local fake Slack, and fires signed `/offer` commands at several concurrency levels. Latency
is the time to the HTTP response, i.e. to `ack()`. Client, server and fake share one
process and one event loop, so the figures are an upper bound on the app's own cost.

    python -m bench.slack_ack [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from time import perf_counter

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    SlackRequests,
    serve_bolt_app,
    slash_command,
)

AppFactory = Callable[[AsyncWebClient, str], AsyncApp]
"""Builds the app under test from a Web API client and the signing secret."""

CONCURRENCY_LEVELS = (1, 10, 50)


@dataclass(frozen=True)
class AckFigures:
    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    acks_per_second: float

    def __str__(self) -> str:
        return (
            f"{self.concurrency:>11} {self.requests:>8} {self.p50_ms:>8.2f} "
            f"{self.p99_ms:>8.2f} {self.acks_per_second:>10.0f} {self.errors:>6}"
        )


HEADER = (
    f"{'concurrency':>11} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'acks/s':>10} {'errors':>6}"
)


def bare_bolt_app(client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    """The floor: a Bolt app whose `/offer` listener only acknowledges."""
    app = AsyncApp(client=client, signing_secret=signing_secret)

    @app.command("/offer")
    async def offer(ack: AsyncAck) -> None:
        await ack()

    return app


async def measure_acks(
    app_factory: AppFactory,
    *,
    requests: int = 500,
    concurrency_levels: Sequence[int] = CONCURRENCY_LEVELS,
) -> list[AckFigures]:
    """Ack latency and throughput of the app `app_factory` builds, per concurrency level."""
    async with FakeSlack() as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
        app = app_factory(client, SIGNING_SECRET)
        connector = aiohttp.TCPConnector(limit=max(concurrency_levels))
        session = aiohttp.ClientSession(connector=connector)
        async with serve_bolt_app(app) as url, session:
            slack = SlackRequests(session, url, SIGNING_SECRET)
            # Warm up: Bolt's first request calls auth.test and builds its middleware.
            await _fire(slack, fake, requests=10, concurrency=1)
            return [
                await _fire(slack, fake, requests=requests, concurrency=level)
                for level in concurrency_levels
            ]


async def _fire(
    slack: SlackRequests, fake: FakeSlack, requests: int, concurrency: int
) -> AckFigures:
    commands: Iterator[dict[str, str]] = iter(
        [
            slash_command(
                "/offer",
                f"I can help with spreadsheets #excel ({n})",
                response_url=fake.response_url(),
                user_id=f"U{n % 97:07d}",
            )
            for n in range(requests)
        ]
    )
    latencies: list[float] = []
    errors = 0

    async def member() -> None:
        nonlocal errors
        for fields in commands:  # shared by every member, so the total stays bounded
            started = perf_counter()
            try:
                reply = await slack.command(fields)
            except aiohttp.ClientError:
                errors += 1
                continue
            latencies.append(perf_counter() - started)
            errors += reply.status != 200

    started = perf_counter()
    await asyncio.gather(*(member() for _ in range(concurrency)))
    elapsed = perf_counter() - started
    cut_points = statistics.quantiles(latencies, n=100, method="inclusive")
    return AckFigures(
        concurrency=concurrency,
        requests=requests,
        errors=errors,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=cut_points[98] * 1000,
        acks_per_second=len(latencies) / elapsed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=500, help="commands per level")
    args = parser.parse_args()
    print("bare Bolt app, /offer listener that only acks")
    print(HEADER)
    for figures in asyncio.run(measure_acks(bare_bolt_app, requests=args.requests)):
        print(figures)


if __name__ == "__main__":
    main()
