from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, inspect, text

from bot.domain import Community, OutboxStatus
from bot.domain.rounds import RoundOutcome
from bot.message_json import to_json
from bot.messages import DirectMessage, Mention, Paragraph, message
from bot.messages import text as spans
from storage import Storage, alembic_config
from storage.migrations import HEAD
from storage.tables import metadata

DOMAIN_TABLES = {
    "communities",
    "members",
    "offers",
    "asks",
    "introductions",
    "thanks",
    "posts",
    "post_names",
    "processed_events",
    "forgotten_handles",
    "signing_keys",
}
SLACK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}
SCHEDULE_TABLES = {"scheduled_claims", "outbox", "outbox_names"}
MATCHING_TABLES = {"text_vectors"}
ROUND_TABLES = {"round_participants", "round_never_pairs", "rounds", "round_groups"}


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@asynccontextmanager
async def older_database(tmp_path: Path, revision: str) -> AsyncIterator[Storage]:
    """A SQLite database at an older schema ``revision``: a test writes rows as that
    version's code did, then upgrades."""
    storage = Storage.connect(f"sqlite:///{tmp_path / 'older.db'}")
    try:
        await storage.upgrade(revision)
        yield storage
    finally:
        await storage.dispose()


async def test_migrations_create_every_table(storage: Storage) -> None:
    async with storage.engine.connect() as connection:
        names = await connection.run_sync(_table_names)
    expected = DOMAIN_TABLES | SLACK_TABLES | SCHEDULE_TABLES | MATCHING_TABLES | ROUND_TABLES
    assert names == expected | {"alembic_version"}


async def test_upgrading_twice_changes_nothing(storage: Storage) -> None:
    await storage.upgrade()
    async with storage.engine.connect() as connection:
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert [v for (v,) in versions] == [HEAD]


def test_head_names_the_newest_migration() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD]


def test_a_process_whose_database_is_current_does_not_load_alembic(tmp_path: Path) -> None:
    """Alembic costs every process about 12 MB and a tenth of a second to load: it is
    loaded to migrate, not to see that there is nothing to migrate."""
    url = f"sqlite:///{tmp_path / 'current.db'}"
    script = (
        "import asyncio, sys\n"
        "from storage import Storage\n"
        "async def main():\n"
        f"    storage = Storage.connect({url!r})\n"
        "    await storage.upgrade()\n"
        "    await storage.dispose()\n"
        "    print(any(name.startswith('alembic') for name in sys.modules))\n"
        "asyncio.run(main())\n"
    )
    loaded = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert loaded == ["True", "False"]  # to make the tables; then not again


async def test_migrations_match_the_tables_the_code_uses(storage: Storage) -> None:
    async with storage.engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences)
    assert differences == []


async def test_slack_tables_have_slack_sdk_columns(storage: Storage) -> None:
    def columns(connection: Connection) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {name: {c["name"] for c in inspector.get_columns(name)} for name in SLACK_TABLES}

    async with storage.engine.connect() as connection:
        found = await connection.run_sync(columns)
    assert found["slack_oauth_states"] == {"id", "state", "expire_at"}
    assert {"client_id", "team_id", "bot_token", "installed_at", "user_id"} <= found[
        "slack_installations"
    ]
    assert {"bot_refresh_token", "bot_token_expires_at", "is_enterprise_install"} <= found[
        "slack_bots"
    ]


async def test_alembic_can_run_on_its_own_connection(tmp_path: Path) -> None:
    # As when migrations are run from Alembic's API rather than Storage.upgrade().
    url = f"sqlite:///{tmp_path / 'standalone.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        async with storage.engine.connect() as connection:
            names = await connection.run_sync(_table_names)
    finally:
        await storage.dispose()
    assert names >= DOMAIN_TABLES


async def test_an_in_memory_database_works_for_demos() -> None:
    storage = Storage.connect("sqlite://")
    try:
        await storage.upgrade()
        async with storage.unit_of_work() as uow:
            await uow.communities.add(Community(key="console:demo"))
            await uow.commit()
        async with storage.unit_of_work() as uow:
            assert [c.key for c in await uow.communities.list()] == ["console:demo"]
    finally:
        await storage.dispose()


async def test_sqlite_files_use_wal_and_enforce_foreign_keys(tmp_path: Path) -> None:
    storage = Storage.connect(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        async with storage.engine.connect() as connection:
            journal = await connection.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
    finally:
        await storage.dispose()
    assert (journal, foreign_keys) == ("wal", 1)


async def test_a_community_is_read_a_page_at_a_time_without_sorting_all_its_members(
    tmp_path: Path,
) -> None:
    """A process reads its communities when it starts, a thousand members at a time:
    each page comes through an index, not by sorting the whole community for every page
    (100 pages at 100,000 members, 11 ms each before the index of migration 0013)."""
    storage = Storage.connect(f"sqlite:///{tmp_path / 'pages.db'}")
    try:
        await storage.upgrade()
        statements: list[tuple[str, Any]] = []

        def seen(*args: Any) -> None:
            _connection, _cursor, statement, parameters, _context, _many = args
            statements.append((statement, parameters))

        event.listen(storage.engine.sync_engine, "before_cursor_execute", seen)
        async with storage.unit_of_work() as uow:
            await uow.directory.changes(1, 0, 10, model=None, after_member=0, limit=1000)
            await uow.members.ids_after(0, 500, community_id=1)
        pages = [(s, p) for s, p in statements if "ORDER BY members.id" in s]
        assert len(pages) == 2
        async with storage.engine.connect() as connection:
            for statement, parameters in pages:
                plan = await connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                steps = [row[-1] for row in plan]
                assert not any("TEMP B-TREE" in step for step in steps), steps
    finally:
        await storage.dispose()


async def test_workers_starting_together_migrate_once(storage: Storage) -> None:
    url = storage.engine.url.render_as_string(hide_password=False)
    workers = [Storage.connect(url) for _ in range(3)]
    try:
        await asyncio.gather(*(worker.upgrade() for worker in workers))
    finally:
        for worker in workers:
            await worker.dispose()
    async with storage.engine.connect() as connection:
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert [v for (v,) in versions] == [HEAD]


async def test_upgrading_keeps_no_text_of_messages_already_sent_or_given_up_on(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    async with older_database(tmp_path, "0002") as storage:
        async with storage.engine.begin() as connection:
            # Written as that version's schema had it: today's columns are not there yet.
            community_id = (
                await connection.execute(
                    text(
                        "INSERT INTO communities (key, name, admin_ids, digest_weekday, "
                        "digest_hour, timezone, skip_quiet_weeks, capacity, intro_expiry_days, "
                        "follow_up_days, aliases) VALUES ('slack:T1', '', '[]', 0, 9, 'UTC', "
                        "true, 2, 3, 7, '{}') RETURNING id"
                    )
                )
            ).scalar_one()
        # Written as the code of revision 0002 wrote them: its outbox has fewer columns.
        async with storage.engine.begin() as connection:
            for status in OutboxStatus:
                await connection.execute(
                    text(
                        "INSERT INTO outbox (key, community_id, payload, created_at,"
                        " claimed_until, status, attempts)"
                        " VALUES (:key, :community, :payload, :now, :now, :status, 0)"
                    ),
                    {
                        "key": f"digest:{status}",
                        "community": community_id,
                        "payload": '{"quote": "words a member may erase"}',
                        "now": now,
                        "status": status.value,
                    },
                )
        await storage.upgrade()
        async with storage.engine.connect() as connection:
            rows = (await connection.execute(text("SELECT key, payload FROM outbox"))).all()
    assert dict(rows) == {
        "digest:sent": "",
        "digest:failed": "",
        "digest:pending": '{"quote": "words a member may erase"}',
    }


OLDER_COMMUNITY = text(
    "INSERT INTO communities (id, key, name, admin_ids, digest_weekday, digest_hour, timezone, "
    "skip_quiet_weeks, capacity, intro_expiry_days, follow_up_days, aliases) "
    "VALUES (1, 'slack:T1', '', '[]', 0, 9, 'UTC', 1, 2, 3, 7, '{}')"
)
"""Community 1, with the columns every schema since the first has."""
OLDER_MEMBER = text(
    "INSERT INTO members (id, community_id, joined_at, skills, public_thanks, dm_closed) "
    "VALUES (1, 1, '2026-01-05 09:00:00', '[]', 1, 0)"
)
"""Member 1 of community 1, likewise."""


async def test_asks_from_before_the_health_figures_say_nothing_was_recorded(
    tmp_path: Path,
) -> None:
    async with older_database(tmp_path, "0004") as storage:
        async with storage.engine.begin() as connection:
            await connection.execute(OLDER_COMMUNITY)
            await connection.execute(OLDER_MEMBER)
            await connection.execute(
                text(
                    "INSERT INTO asks (community_id, member_id, text, skills, private, "
                    "created_at, status, looking_for_helper) VALUES (1, 1, 'bees?', "
                    "'[\"beekeeping\"]', 0, '2026-01-05 09:00:00', 'open', 1)"
                )
            )
        await storage.upgrade()
        async with storage.unit_of_work() as uow:
            [older] = (await uow.health.facts(1)).asks
    assert (older.suggested_count, older.first_suggested_at) == (None, None)
    assert older.skills == ("beekeeping",)


async def test_messages_waiting_when_upgrading_are_found_by_the_members_they_name(
    tmp_path: Path,
) -> None:
    waiting = message(
        DirectMessage(("U0ANA",)),
        Paragraph(spans("You helped ", Mention("U0BEN"), " with: my friend <@U0CARL> says hi")),
    )
    async with older_database(tmp_path, "0008") as storage:
        async with storage.engine.begin() as connection:
            await connection.execute(OLDER_COMMUNITY)
            await connection.execute(
                text(
                    "INSERT INTO outbox (key, community_id, payload, created_at, claimed_until,"
                    " status, attempts) VALUES (:key, 1, :payload, :now, :now, 'pending', 0)"
                ),
                {"key": "follow-up:1#0", "payload": to_json(waiting), "now": datetime.now(UTC)},
            )
        await storage.upgrade()
        async with storage.unit_of_work() as uow:
            assert await uow.outbox.drop_unsent_naming(1, "U0DANA") == []
            assert await uow.outbox.drop_unsent_naming(1, "U0CARL") == ["follow-up:1#0"]
            await uow.commit()


async def test_upgrading_drops_the_vectors_of_closed_asks_and_offers(tmp_path: Path) -> None:
    async with older_database(tmp_path, "0011") as storage:
        async with storage.engine.begin() as connection:
            await connection.execute(OLDER_COMMUNITY)
            await connection.execute(OLDER_MEMBER)
            for number, status in enumerate(("open", "solved", "closed"), start=1):
                await connection.execute(
                    text(
                        "INSERT INTO asks (id, community_id, member_id, text, skills, private, "
                        "created_at, status, looking_for_helper) VALUES (:id, 1, 1, 'bees?', "
                        "'[]', 0, '2026-01-05 09:00:00', :status, 1)"
                    ),
                    {"id": number, "status": status},
                )
            for number, status in enumerate(("open", "withdrawn", "expired"), start=1):
                await connection.execute(
                    text(
                        "INSERT INTO offers (id, community_id, member_id, text, skills, "
                        "created_at, status) VALUES (:id, 1, 1, 'hives', '[]', "
                        "'2026-01-05 09:00:00', :status)"
                    ),
                    {"id": number, "status": status},
                )
            keys = [
                "skills:1",
                *(f"ask:{n}" for n in (1, 2, 3)),
                *(f"offer:{n}" for n in (1, 2, 3)),
            ]
            for key in keys:
                await connection.execute(
                    text(
                        "INSERT INTO text_vectors (community_id, member_id, key, model, "
                        "text_hash, vector, scale) VALUES (1, 1, :key, 'older', '', x'00', 1)"
                    ),
                    {"key": key},
                )
        await storage.upgrade()
        async with storage.engine.connect() as connection:
            kept = (await connection.execute(text("SELECT key FROM text_vectors"))).scalars()
            assert sorted(kept) == ["ask:1", "offer:1", "skills:1"]


async def test_members_from_before_are_welcomed_as_of_the_day_they_were_first_seen(
    tmp_path: Path,
) -> None:
    """Whether an older member was imported is not known: they keep the week they were
    first seen, as the digest and health figures counted them before."""
    async with older_database(tmp_path, "0014") as storage:
        async with storage.engine.begin() as connection:
            await connection.execute(OLDER_COMMUNITY)
            await connection.execute(OLDER_MEMBER)
        await storage.upgrade()
        async with storage.unit_of_work() as uow:
            [member] = (await uow.health.facts(1)).members
    assert member.first_used_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_a_round_group_that_met_before_upgrading_stays_met_when_the_other_says_not(
    tmp_path: Path,
) -> None:
    """Before members' answers were kept one by one, a group kept one: who said they
    met is not known, so a later "Not this time" is that member's answer alone."""
    async with older_database(tmp_path, "0015") as storage:
        async with storage.engine.begin() as connection:
            await connection.execute(OLDER_COMMUNITY)
            await connection.execute(OLDER_MEMBER)
            await connection.execute(
                text(
                    "INSERT INTO rounds (id, community_id, slot, planned_at, joined, "
                    "follow_up_due_at) VALUES (1, 1, '2026-01-05 10:00:00', "
                    "'2026-01-05 10:00:00', 2, '2026-01-16 10:00:00')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO round_groups (id, community_id, round_id, member_ids, outcome, "
                    "outcome_at) VALUES (1, 1, 1, '[1, 2]', 'met', '2026-01-07 10:00:00')"
                )
            )
        await storage.upgrade()
        async with storage.unit_of_work() as uow:
            group = await uow.rounds.group(1)
            [member] = await uow.members.get_many([1])
            assert group is not None and group.answer_of(1) is None
            group.record(member, RoundOutcome.NOT_MET, datetime(2026, 1, 8, tzinfo=UTC))
            group.record(member, RoundOutcome.NOT_MET, datetime(2026, 1, 9, tzinfo=UTC))
            await uow.commit()
        async with storage.unit_of_work() as uow:
            group = await uow.rounds.group(1)
    assert group is not None
    assert (group.outcome, group.answer_of(1)) == (RoundOutcome.MET, RoundOutcome.NOT_MET)
