"""Fixtures shared by the whole suite: a migrated database, on SQLite and PostgreSQL.

``storage`` runs each test that uses it twice: against a fresh SQLite file and,
when ``GIVEFIRST_TEST_POSTGRES_URL`` is set, against PostgreSQL in a schema of
its own that is dropped afterwards.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from givefirst.testing.databases import migrated_postgres_schema, migrated_sqlite
from storage import SqlAlchemyUnitOfWork, Storage
from tests.database_dump import all_table_rows

__all__ = ["all_table_rows"]

POSTGRES_URL_VARIABLE = "GIVEFIRST_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = (
    f"set {POSTGRES_URL_VARIABLE}=postgresql://user@host/db to run the PostgreSQL tests"
)


_NOT_RUN = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL server to test on, its tests are set aside up front and
    counted in one line at the end, rather than each reported as skipped."""
    if os.environ.get(POSTGRES_URL_VARIABLE) or os.environ.get("GIVEFIRST_REQUIRE_POSTGRES"):
        return
    postgres = [item for item in items if item.get_closest_marker("postgres")]
    if postgres:
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
        config.hook.pytest_deselected(items=postgres)
        config.stash[_NOT_RUN] = len(postgres)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not_run := config.stash.get(_NOT_RUN, 0):
        terminalreporter.write_line(f"{not_run} PostgreSQL tests not run: {POSTGRES_SKIP_REASON}")


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "sqlite":
        async for migrated in _sqlite_storage(tmp_path):
            yield migrated
    else:
        async for migrated in _postgres_storage():
            yield migrated


async def storage_for(backend: str, tmp_path: Path) -> AsyncIterator[Storage]:
    """A migrated ``Storage`` on ``sqlite`` or ``postgres``, for fixtures elsewhere."""
    source = _sqlite_storage(tmp_path) if backend == "sqlite" else _postgres_storage()
    async for migrated in source:
        yield migrated


async def _sqlite_storage(tmp_path: Path) -> AsyncIterator[Storage]:
    async with migrated_sqlite(tmp_path / "givefirst.db") as storage:
        yield storage


async def _postgres_storage() -> AsyncIterator[Storage]:
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        if os.environ.get("GIVEFIRST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL tests are required here: {POSTGRES_SKIP_REASON}")
        pytest.skip(POSTGRES_SKIP_REASON)
    # A schema per test keeps tests isolated and repeatable on a shared database.
    async with migrated_postgres_schema(server_url) as storage:
        yield storage


@pytest.fixture
def uow_factory(storage: Storage) -> Callable[[], SqlAlchemyUnitOfWork]:
    """A fresh unit of work on the test database each time it is called."""
    return storage.unit_of_work


@pytest.fixture(autouse=True)
def garbage_collector_as_it_was() -> Iterator[None]:
    """Commands run in this process (`givefirst slack`, `discord`) settle the garbage
    collector for serving; put it back, so each test collects as the next expects."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
