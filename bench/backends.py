"""Throwaway databases for benchmarks: a temporary SQLite file, or a fresh PostgreSQL schema."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from givefirst.testing.databases import migrated_postgres_schema, migrated_sqlite
from storage import Storage


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


Backend = tuple[str, Callable[[], AbstractAsyncContextManager[Storage]]]
"""A database to measure on: its name, and how to make a fresh one."""


def backends(postgres_url: str | None) -> list[Backend]:
    """SQLite, and PostgreSQL when a server URL is given."""
    chosen: list[Backend] = [("SQLite", sqlite_storage)]
    if postgres_url:
        chosen.append(("PostgreSQL", lambda: postgres_storage(postgres_url)))
    return chosen
