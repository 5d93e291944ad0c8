"""Throwaway databases for benchmarks: a temporary SQLite file, or a fresh PostgreSQL schema."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage import Storage, create_engine, database_url


@asynccontextmanager
async def sqlite_storage() -> AsyncIterator[Storage]:
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.connect(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            await storage.upgrade()
            yield storage
        finally:
            await storage.dispose()


@asynccontextmanager
async def postgres_storage(server_url: str) -> AsyncIterator[Storage]:
    """A schema of its own on the server, dropped afterwards."""
    schema = f"givefirst_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url(server_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    storage = Storage.connect(url.render_as_string(hide_password=False))
    try:
        await storage.upgrade()
        yield storage
    finally:
        await storage.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
