from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from storage import Storage
from storage.tables import metadata

DOMAIN_TABLES = {
    "communities",
    "members",
    "offers",
    "asks",
    "introductions",
    "thanks",
    "posts",
    "processed_events",
}
SLACK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}
SCHEDULE_TABLES = {"scheduled_claims", "outbox"}


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrations_create_every_table(storage: Storage) -> None:
    async with storage.engine.connect() as connection:
        names = await connection.run_sync(_table_names)
    assert names == DOMAIN_TABLES | SLACK_TABLES | SCHEDULE_TABLES | {"alembic_version"}


async def test_upgrading_twice_changes_nothing(storage: Storage) -> None:
    await storage.upgrade()
    async with storage.engine.connect() as connection:
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert [v for (v,) in versions] == ["0002"]


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
