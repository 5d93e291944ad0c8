"""Read back everything a database holds, for tests that must prove what is (not) stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, MetaData, select

from storage import Storage


def _dump(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    metadata = MetaData()
    metadata.reflect(connection)
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, table in sorted(metadata.tables.items()):
        result = connection.execute(select(table))
        rows[name] = [dict(row) for row in result.mappings()]
    return rows


async def all_table_rows(storage: Storage) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (``alembic_version`` and Slack's tables included),
    keyed by table name, with column values as the database returns them."""
    async with storage.engine.connect() as connection:
        return await connection.run_sync(_dump)
