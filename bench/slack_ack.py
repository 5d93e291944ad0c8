"""How fast a Bolt app acknowledges slash commands over HTTP (Slack gives up after 3 seconds).

Runs the app behind a real aiohttp server on 127.0.0.1, its Web API client aimed at the
local fake Slack, and fires signed `/offer` and `/ask` commands (alternating) at several
concurrency levels. Latency is the time to the HTTP response, i.e. to `ack()`. Client,
server and fake share one process and one event loop, so the figures are an upper bound
on the app's own cost.

    python -m bench.slack_ack [--requests N] [--rounds N] [--postgres URL] [--asks KIND]

It measures a bare Bolt app (listeners that only ack; Bolt's defaults) and givefirst
itself — on SQLite and, with --postgres or GIVEFIRST_TEST_POSTGRES_URL, on PostgreSQL —
in the same run. givefirst's listeners acknowledge and start the work as a task of its
own on an app made with `process_before_response=True`, so Bolt answers as soon as they
return instead of polling for the ack every 10 ms; a bare app in that mode is measured
too, so both floors are in view. givefirst's tasks keep working after the ack (storing
the offer, matching helpers, posting), on the same event loop, so that work is included:
each level ends only when every listener has finished, `done/s` is the rate at which
commands were completely handled, and `errors` counts failed requests as well as
anything logged as an error meanwhile (a listener failing after its ack, say). The apps
are measured in turn for several rounds (see :mod:`bench.rounds`), givefirst each time on
a fresh database; after warming up, every app's process is settled as `givefirst slack`
settles it before serving (the start-up heap frozen out of the garbage collector's full
passes).

The bare app's clients send their next command as soon as the last one is acknowledged.
givefirst answers every command (ephemerally, through its response URL), so its clients
send the next one once the previous one is answered, as members would: N concurrent
clients means N commands in flight. `reply p50/p99` is the time to that answer.

Every `/offer` offers help with spreadsheets. By default the asks are spreadsheet
questions, which those offers answer; with `--asks unanswerable` they are questions
nobody offers help with, so they pile up still looking for a helper and every new
offer checks each of them again — the costliest case for an `/offer`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from time import perf_counter

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import AFTER_ACK, build_app
from bench.backends import backends
from bench.rounds import Ratios
from bot.app import GiveFirst
from bot.clock import SystemClock
from givefirst.bootstrap import settle_before_serving
from givefirst.testing.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    SlackRequests,
    serve_bolt_app,
    slash_command,
)
from storage import Storage

AppFactory = Callable[[AsyncWebClient, str], AsyncApp]
"""Builds the app under test from a Web API client and the signing secret."""

CONCURRENCY_LEVELS = (1, 10, 50)
ASKS = {
    "answerable": "how do I pivot a table in a spreadsheet?",
    "unanswerable": "how do I tune a piano?",
}
"""What the `/ask` commands ask, by kind (see the module's description)."""


@dataclass(frozen=True)
class AckFigures:
    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    acks_per_second: float
    done_per_second: float
    first_error: str | None = None
    reply_p50_ms: float | None = None
    reply_p99_ms: float | None = None

    def __str__(self) -> str:
        replies = (
            f"{self.reply_p50_ms:>9.1f} {self.reply_p99_ms:>9.1f}"
            if self.reply_p50_ms is not None and self.reply_p99_ms is not None
            else f"{'-':>9} {'-':>9}"
        )
        return (
            f"{self.concurrency:>11} {self.requests:>8} {self.p50_ms:>8.2f} "
            f"{self.p99_ms:>8.2f} {self.acks_per_second:>10.0f} {self.done_per_second:>8.0f} "
            f"{replies} {self.errors:>6}"
        )


HEADER = (
    f"{'concurrency':>11} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'acks/s':>10} "
    f"{'done/s':>8} {'reply p50':>9} {'reply p99':>9} {'errors':>6}"
)
LISTENER_TIMEOUT = 600.0
"""Seconds a level may take to finish the work after its last ack."""


class _ErrorCount(logging.Handler):
    """Counts what the app logs as errors, keeping the first for the report."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = f"{record.name}: {record.getMessage()}"[:200]


def bare_bolt_app(client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    """The floor: a Bolt app, as Bolt comes, whose `/offer` and `/ask` only acknowledge."""
    app = AsyncApp(client=client, signing_secret=signing_secret)
    app.command(re.compile("^/(offer|ask)$"))(_acknowledge)
    return app


def bare_inline_bolt_app(client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    """The same, acknowledging before the response as givefirst does, with nothing after."""
    app = AsyncApp(client=client, signing_secret=signing_secret, process_before_response=True)
    app.command(re.compile("^/(offer|ask)$"))(_acknowledge)
    return app


async def _acknowledge(ack: AsyncAck) -> None:
    await ack()


def givefirst_app(storage: Storage) -> AppFactory:
    """givefirst's real listeners on the given storage."""

    def factory(client: AsyncWebClient, signing_secret: str) -> AsyncApp:
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        app = AsyncApp(client=client, signing_secret=signing_secret, process_before_response=True)
        return build_app(bot, app)

    return factory


async def measure_acks(
    app_factory: AppFactory,
    *,
    requests: int = 500,
    concurrency_levels: Sequence[int] = CONCURRENCY_LEVELS,
    replies: bool = False,
    ask: str = ASKS["answerable"],
) -> list[AckFigures]:
    """Ack latency and throughput of the app `app_factory` builds, per concurrency level.

    With ``replies`` (givefirst answers every command), each client sends its next
    command once the previous one is answered, as a member would, and the time to
    that answer is reported too; otherwise once it is acknowledged."""
    async with FakeSlack() as fake, aiohttp.ClientSession() as api_session:
        # The app's calls to Slack share one session, as `givefirst slack` sets it up.
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url, session=api_session)
        app = app_factory(client, SIGNING_SECRET)
        connector = aiohttp.TCPConnector(limit=max(concurrency_levels))
        session = aiohttp.ClientSession(connector=connector)
        async with serve_bolt_app(app) as url, session:
            slack = SlackRequests(session, url, SIGNING_SECRET)
            # Warm up: Bolt's first request calls auth.test and builds its middleware.
            await _fire(slack, fake, ask, requests=10, concurrency=1, replies=replies)
            settle_before_serving()  # as `givefirst slack` does, for every app measured
            return [
                await _fire(slack, fake, ask, requests=requests, concurrency=level, replies=replies)
                for level in concurrency_levels
            ]


_LISTENER_TASKS = ("run_ack_function_asynchronously", AFTER_ACK)
"""What Bolt's tasks for listeners running after their acks run, and givefirst's are named."""


def _listeners_running() -> set[asyncio.Task[object]]:
    """Listener calls Bolt is still running after their acks (it starts each as a task)."""
    return {
        task
        for task in asyncio.all_tasks()
        if task.get_name() in _LISTENER_TASKS
        or getattr(task.get_coro(), "__qualname__", "") in _LISTENER_TASKS
    }


async def _finish_listeners(timeout: float) -> int:  # noqa: ASYNC109
    """Wait for the work after the acks; returns how many listeners are still running."""
    deadline = perf_counter() + timeout
    while (running := _listeners_running()) and perf_counter() < deadline:
        await asyncio.wait(running, timeout=deadline - perf_counter())
    return len(running)


async def _fire(
    slack: SlackRequests,
    fake: FakeSlack,
    ask: str,
    requests: int,
    concurrency: int,
    *,
    replies: bool,
) -> AckFigures:
    commands: Iterator[dict[str, str]] = iter(
        [
            slash_command(
                "/offer" if n % 2 else "/ask",
                f"I can help with spreadsheets #excel ({n})" if n % 2 else f"{ask} ({n})",
                response_url=fake.response_url(),
                user_id=f"U{n % 97:07d}",
            )
            for n in range(requests)
        ]
    )
    latencies: list[float] = []
    answered: list[float] = []
    errors = 0
    logged = _ErrorCount()
    logging.getLogger().addHandler(logged)

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
            if replies:
                try:
                    async with asyncio.timeout(60):
                        answered.append(await fake.first_response(fields["response_url"]) - started)
                except TimeoutError:
                    errors += 1

    started = perf_counter()
    try:
        await asyncio.gather(*(member() for _ in range(concurrency)))
        acked = perf_counter() - started
        unfinished = await _finish_listeners(LISTENER_TIMEOUT)
        done = perf_counter() - started
    finally:
        logging.getLogger().removeHandler(logged)
    cut_points = statistics.quantiles(latencies, n=100, method="inclusive")
    return AckFigures(
        concurrency=concurrency,
        requests=requests,
        errors=errors + logged.count + unfinished,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=cut_points[98] * 1000,
        acks_per_second=len(latencies) / acked,
        done_per_second=max(requests - unfinished, 0) / done,
        reply_p50_ms=statistics.median(answered) * 1000 if answered else None,
        reply_p99_ms=statistics.quantiles(answered, n=100, method="inclusive")[98] * 1000
        if answered
        else None,
        first_error=logged.first
        or (
            f"{unfinished} listeners still running after {LISTENER_TIMEOUT:.0f} s"
            if unfinished
            else None
        ),
    )


async def run(requests: int, postgres_url: str | None, rounds: int, asks: str) -> None:
    print(f"/offer and /ask ({asks}) alternating, {requests} signed requests per level, loopback")
    measured = backends(postgres_url)
    to_bare, to_inline = Ratios(), Ratios()
    errors: dict[str, int] = {}
    for round_ in range(1, rounds + 1):
        print(f"round {round_} of {rounds}")
        bare = await _measure_and_print(
            "bare Bolt app (listeners only ack)", bare_bolt_app, requests
        )
        inline = await _measure_and_print(
            "bare Bolt app acknowledging before the response (process_before_response)",
            bare_inline_bolt_app,
            requests,
        )
        for name, backend in measured:
            async with backend() as storage:
                print(f"givefirst on {name}")
                print(HEADER)
                mine = await measure_acks(
                    givefirst_app(storage), requests=requests, replies=True, ask=ASKS[asks]
                )
            for figures, floor, inline_floor in zip(mine, bare, inline, strict=True):
                key = (name, figures.concurrency)
                ratio = to_bare.add(key, figures.p99_ms, floor.p99_ms)
                inline_ratio = to_inline.add(key, figures.p99_ms, inline_floor.p99_ms)
                errors[name] = errors.get(name, 0) + figures.errors
                print(
                    f"{figures}   p99 {ratio:.2f}x bare, {inline_ratio:.2f}x bare before response"
                )
            _print_errors(mine)
    print(f"givefirst's p99 over {rounds} rounds, as a multiple of the bare apps' in the same")
    print("round: median / worst (each round)")
    for name, _ in measured:
        print(f"  {name}, {errors[name]} errors in all")
        for level in CONCURRENCY_LEVELS:
            print(
                f"  {level:>4} clients: {to_bare.summary((name, level))} bare; "
                f"{to_inline.summary((name, level))} bare before response"
            )


async def _measure_and_print(title: str, app: AppFactory, requests: int) -> list[AckFigures]:
    print(title)
    print(HEADER)
    figures = await measure_acks(app, requests=requests)
    for level in figures:
        print(level)
    _print_errors(figures)
    return figures


def _print_errors(levels: Sequence[AckFigures]) -> None:
    for figures in levels:
        if figures.first_error:
            print(f"  first error at {figures.concurrency}: {figures.first_error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=500, help="commands per level")
    parser.add_argument("--rounds", type=int, default=3, help="times to measure every app")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GIVEFIRST_TEST_POSTGRES_URL"),
        help="PostgreSQL URL to measure too (a schema is created and dropped)",
    )
    parser.add_argument(
        "--asks",
        choices=ASKS,
        default="answerable",
        help="answerable: the offers answer the asks; unanswerable: nobody does, so they "
        "pile up and every offer checks each of them again",
    )
    args = parser.parse_args()
    # Errors are counted and summarised per level rather than printed as they happen.
    logging.basicConfig(level=logging.ERROR)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.CRITICAL)
    asyncio.run(run(args.requests, args.postgres, args.rounds, args.asks))


if __name__ == "__main__":
    main()
