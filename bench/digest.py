"""How long does a digest take for a big community, and what do claims cost?

Run from the repository root:

    python -m bench.digest [--members 100000] [--asks 10000] [--communities 1000]

Builds a SQLite database with one community of ``--members`` members and
``--asks`` open asks, then times loading its digest facts and composing the
digest, counting SQL statements. Then ``--communities`` small communities all
due in the same hour are planned by one scheduler, timing the claims.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.scheduler import Scheduler
from storage import Storage, tables

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)


class QueryCounter:
    def __init__(self, storage: Storage) -> None:
        self.count = 0
        event.listen(storage.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1


async def populate(storage: Storage, members: int, asks: int, communities: int) -> None:
    old = NOW - timedelta(days=90)
    community = dict(
        name="",
        admin_ids=[],
        digest_weekday=0,
        digest_hour=9,
        timezone="UTC",
        skip_quiet_weeks=False,
        capacity=2,
        intro_expiry_days=3,
        follow_up_days=7,
        stale_after_days=30,
        aliases={},
        created_at=old,
    )
    async with storage.engine.begin() as conn:
        await conn.execute(
            insert(tables.communities),
            [{"id": 1, "key": "bench:big", "channel_id": "C1", **community}]
            + [
                {"id": i + 2, "key": f"bench:c{i}", "channel_id": f"C{i}", **community}
                for i in range(communities)
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
                    joined_at=NOW - timedelta(days=1) if i % 1000 == 0 else old,
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
                    community_id=1,
                    member_id=(i * 7) % members + 1,
                    text=f"help with thing {i}",
                    skills=[],
                    private=i % 10 == 0,
                    created_at=old + timedelta(minutes=i),
                    status="open",
                    looking_for_helper=False,
                )
                for i in range(asks)
            ],
        )
        await conn.execute(
            insert(tables.offers),
            [
                dict(
                    community_id=1,
                    member_id=i % members + 1,
                    text=f"I can help with {i}",
                    skills=[],
                    created_at=NOW - timedelta(days=i % 14),
                    status="open",
                )
                for i in range(2000)
            ],
        )


async def main(members: int, asks: int, communities: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.connect(f"sqlite:///{Path(folder) / 'bench.db'}")
        await storage.upgrade()
        await populate(storage, members, asks, communities)
        counter = QueryCounter(storage)

        start, counter.count = time.perf_counter(), 0
        bot = GiveFirst(storage.unit_of_work, FakeClock(NOW))
        preview = await bot.digest_preview("bench:big", days=(NOW - SINCE).days)
        assert preview is not None
        elapsed = time.perf_counter() - start
        print(
            f"digest: {members:,} members, {asks:,} open asks -> "
            f"{elapsed * 1000:.0f} ms, {counter.count} SQL statements, "
            f"{len(preview[1].blocks)} blocks"
        )

        scheduler = Scheduler(storage.unit_of_work, FakeClock(NOW), min_interval=0)
        start, counter.count = time.perf_counter(), 0
        planned = await scheduler.plan_digests(NOW)
        elapsed = time.perf_counter() - start
        print(
            f"claims: {communities + 1:,} communities due in one hour -> {planned:,} digests "
            f"queued in {elapsed:.2f} s, {counter.count:,} SQL statements "
            f"({counter.count / max(planned, 1):.1f} per digest)"
        )
        start, counter.count = time.perf_counter(), 0
        again = await scheduler.plan_digests(NOW)
        elapsed = time.perf_counter() - start
        print(
            f"claims: the next tick finds {again} more to do in {elapsed * 1000:.0f} ms, "
            f"{counter.count} SQL statements"
        )
        await storage.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--asks", type=int, default=10_000)
    parser.add_argument("--communities", type=int, default=1_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.members, arguments.asks, arguments.communities))
