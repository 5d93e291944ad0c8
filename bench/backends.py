"""Throwaway databases for benchmarks: a temporary SQLite file, or a fresh PostgreSQL schema."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from storage import Storage
from tests.databases import migrated_postgres_schema, migrated_sqlite


@asynccontextmanager
async def sqlite_storage() -> AsyncIterator[Storage]:
    with tempfile.TemporaryDirectory() as folder:
        async with migrated_sqlite(Path(folder) / "bench.db") as storage:
            yield storage


@asynccontextmanager
async def postgres_storage(server_url: str) -> AsyncIterator[Storage]:
    """A schema of its own on the server, dropped afterwards."""
    async with migrated_postgres_schema(server_url, prefix="givefirst_bench") as storage:
        yield storage
