"""The database's troubles reach the core in its own words, and SQLite's writers wait
their turn instead of losing each other's changes."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from sqlalchemy import exc

from bot.domain import Community
from bot.ports import Conflict, StorageUnavailable
from storage import Storage
from storage.errors import translated


class _Driver(Exception):
    """A driver's error, with PostgreSQL's SQLSTATE where it has one."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (exc.OperationalError("SELECT 1", {}, _Driver("connection refused")), StorageUnavailable),
        (
            exc.OperationalError("x", {}, _Driver("terminating connection", "57P01")),
            StorageUnavailable,
        ),
        (
            exc.OperationalError("x", {}, _Driver("the database is starting up", "57P03")),
            StorageUnavailable,
        ),
        (exc.OperationalError("x", {}, _Driver("too many clients", "53300")), StorageUnavailable),
        (exc.InterfaceError("x", {}, _Driver("connection already closed")), StorageUnavailable),
        (exc.TimeoutError("QueuePool limit reached"), StorageUnavailable),
        (exc.OperationalError("x", {}, _Driver("could not serialize access", "40001")), Conflict),
        (exc.IntegrityError("x", {}, _Driver("duplicate key", "23505")), Conflict),
        (exc.ProgrammingError("x", {}, _Driver("relation does not exist", "42P01")), None),
        (ValueError("not the database's"), None),
    ],
)
def test_driver_errors_become_the_cores_own(
    error: BaseException, expected: type[Exception] | None
) -> None:
    core = translated(error)
    assert (type(core) if core is not None else None) is expected


async def test_sqlite_writers_wait_their_turn_and_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    setup = Storage.connect(url)
    await setup.upgrade()
    async with setup.unit_of_work() as uow:
        await uow.communities.add(Community(key="console:busy", capacity=0))
        await uow.commit()
    processes = [Storage.connect(url) for _ in range(4)]

    async def bump(storage: Storage) -> None:
        for _ in range(15):
            async with storage.unit_of_work() as uow:
                community = await uow.communities.get_by_key("console:busy")
                assert community is not None
                await asyncio.sleep(0.001)  # another process gets a word in
                community.capacity += 1
                await uow.commit()

    try:
        await asyncio.gather(*(bump(p) for p in processes))
        async with setup.unit_of_work() as uow:
            community = await uow.communities.get_by_key("console:busy")
    finally:
        for storage in (*processes, setup):
            await storage.dispose()
    assert community is not None and community.capacity == 60, "no change lost, none refused"


async def test_a_sqlite_file_locked_too_long_is_unavailable_not_an_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    holder = Storage.connect(url)
    await holder.upgrade()
    impatient = Storage.connect(url, connect_args={"timeout": 0.2})
    try:
        async with holder.unit_of_work() as held:
            await held.communities.add(Community(key="console:held"))
            with pytest.raises(StorageUnavailable):
                async with impatient.unit_of_work() as uow:
                    await uow.communities.list()
            await held.commit()
    finally:
        await impatient.dispose()
        await holder.dispose()


async def test_an_unreachable_postgresql_is_unavailable_at_once() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    storage = Storage.connect(f"postgresql://givefirst@127.0.0.1:{port}/givefirst")
    try:
        async with asyncio.timeout(10):
            with pytest.raises(StorageUnavailable):
                async with storage.unit_of_work() as uow:
                    await uow.communities.list()
    finally:
        await storage.dispose()
