"""Migrated databases for tests and benchmarks: a SQLite file, or a PostgreSQL schema of
its own that is dropped afterwards (so runs are isolated on a shared server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import Storage, create_engine, database_url


@asynccontextmanager
async def migrated_sqlite(path: Path) -> AsyncIterator[Storage]:
    storage = Storage.connect(f"sqlite:///{path}")
    try:
        await storage.upgrade()
        yield storage
    finally:
        await storage.dispose()


@asynccontextmanager
async def postgres_schema(server_url: str, *, prefix: str = "givefirst_test") -> AsyncIterator[str]:
    """A new schema on the server, dropped afterwards; yields a URL whose connections
    start with it as their search_path."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url(server_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        try:
            await _drop_schema(admin, schema)
        finally:
            await admin.dispose()


async def _drop_schema(admin: AsyncEngine, schema: str, tries: int = 5) -> None:
    """Drop the schema; work still finishing in it (a reply being recorded after the
    test's last look) can make the server pick the drop as a deadlock's victim, so it
    is tried again a moment later."""
    for attempt in range(1, tries + 1):
        try:
            async with admin.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            return
        except OperationalError as error:
            if attempt == tries or "deadlock" not in str(error).lower():
                raise
            await asyncio.sleep(0.2 * attempt)


@asynccontextmanager
async def migrated_postgres_schema(
    server_url: str, *, prefix: str = "givefirst_test"
) -> AsyncIterator[Storage]:
    """A migrated storage in a schema of its own (see :func:`postgres_schema`)."""
    async with postgres_schema(server_url, prefix=prefix) as url:
        storage = Storage.connect(url)
        try:
            await storage.upgrade()
            yield storage
        finally:
            await storage.dispose()
