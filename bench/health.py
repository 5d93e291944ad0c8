"""How long does a big community's dashboard take: reading its history, computing every
figure, and drawing the page?

Run from the repository root:

    python -m bench.health [--members 20000] [--asks 50000] [--weeks 52]

Builds a SQLite database with one community whose ``--asks`` asks are spread over
``--weeks`` weeks, each with an introduction (accepted, declined or expired; a third
answered "it helped"), plus offers and thanks, then times ``givefirst stats``' work
(read and compute), the computation alone, and the dashboard's page and CSV.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from adapters.web import pages
from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.health import compute
from bot.render.health import as_csv
from bot.skills import Vocabulary
from storage import Storage, tables

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
KEY = "bench:health"


async def populate(storage: Storage, members: int, asks: int, weeks: int) -> None:
    start = NOW - timedelta(weeks=weeks)
    step = (NOW - start) / asks
    statuses = ("accepted", "accepted", "declined", "expired")
    async with storage.engine.begin() as conn:
        await conn.execute(
            insert(tables.communities),
            [
                dict(
                    id=1,
                    key=KEY,
                    name="",
                    admin_ids=[],
                    digest_weekday=0,
                    digest_hour=9,
                    timezone="Europe/Berlin",
                    skip_quiet_weeks=False,
                    capacity=2,
                    intro_expiry_days=3,
                    follow_up_days=7,
                    stale_after_days=30,
                    aliases={},
                    created_at=start,
                )
            ],
        )
        await conn.execute(
            insert(tables.members),
            [
                dict(
                    id=i + 1,
                    community_id=1,
                    platform_user_id=f"U{i}",
                    display_name=f"M{i}",
                    joined_at=start + step * (i * asks // members),
                    skills=[],
                    public_thanks=True,
                    dm_closed=False,
                )
                for i in range(members)
            ],
        )
        await conn.execute(
            insert(tables.asks),
            [
                dict(
                    id=i + 1,
                    community_id=1,
                    member_id=(i * 7) % members + 1,
                    text=f"help with thing {i}",
                    skills=["beekeeping"] if i % 5 == 0 else ["python"],
                    private=i % 10 == 0,
                    created_at=start + step * i,
                    status="open",
                    looking_for_helper=i % 5 == 0,
                    suggested_count=0 if i % 5 == 0 else 2,
                    first_suggested_at=None if i % 5 == 0 else start + step * i,
                )
                for i in range(asks)
            ],
        )
        await conn.execute(
            insert(tables.introductions),
            [
                dict(
                    community_id=1,
                    asker_id=(i * 7) % members + 1,
                    helper_id=(i * 13) % members + 1,
                    awaiting="helper",
                    reason="",
                    requested_at=start + step * i,
                    expires_at=start + step * i + timedelta(days=3),
                    ask_id=i + 1,
                    status=statuses[i % 4],
                    decided_at=start + step * i + timedelta(hours=1 + i % 40),
                    outcome="helped" if i % 4 == 0 else None,
                    outcome_at=start + step * i + timedelta(days=7) if i % 4 == 0 else None,
                )
                for i in range(asks)
                if i % 5
            ],
        )
        await conn.execute(
            insert(tables.offers),
            [
                dict(
                    community_id=1,
                    member_id=(i * 3) % members + 1,
                    text=f"I can help with {i}",
                    skills=[],
                    created_at=start + step * i * 2,
                    status="open",
                )
                for i in range(asks // 2)
            ],
        )
        await conn.execute(
            insert(tables.thanks),
            [
                dict(
                    community_id=1,
                    giver_id=(i * 7) % members + 1,
                    receiver_id=(i * 13) % members + 1,
                    note="thanks",
                    created_at=start + step * i * 3,
                )
                for i in range(asks // 3)
            ],
        )


async def main(members: int, asks: int, weeks: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.connect(f"sqlite:///{Path(folder) / 'bench.db'}")
        await storage.upgrade()
        await populate(storage, members, asks, weeks)
        bot = GiveFirst(storage.unit_of_work, FakeClock(NOW))

        started = time.perf_counter()
        health = await bot.health(KEY)
        read_and_compute = time.perf_counter() - started
        assert health is not None

        async with storage.unit_of_work() as uow:
            started = time.perf_counter()
            facts = await uow.health.facts(1)
            read = time.perf_counter() - started
        started = time.perf_counter()
        compute(
            facts,
            community_key=KEY,
            now=NOW,
            timezone="Europe/Berlin",
            capacity=2,
            vocabulary=Vocabulary.default(),
        )
        computed = time.perf_counter() - started

        started = time.perf_counter()
        page = pages.dashboard(health, csv_url="figures.csv")
        drawn = time.perf_counter() - started
        started = time.perf_counter()
        rows = as_csv([health])
        written = time.perf_counter() - started
        print(
            f"{members:,} members, {asks:,} asks and {len(facts.introductions):,} "
            f"introductions over {weeks} weeks:\n"
            f"  givefirst stats (read and compute): {read_and_compute * 1000:.0f} ms\n"
            f"    reading the history: {read * 1000:.0f} ms; computing: {computed * 1000:.0f} ms\n"
            f"  dashboard page: {drawn * 1000:.1f} ms ({len(page) / 1024:.0f} KiB); "
            f"CSV: {written * 1000:.1f} ms ({len(rows) / 1024:.0f} KiB)"
        )
        await storage.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--asks", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=52)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.members, arguments.asks, arguments.weeks))
