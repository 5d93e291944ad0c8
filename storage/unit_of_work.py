"""The unit of work: one session and transaction shared by every repository."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import NoReturn, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ports import (
    AskRepository,
    ClaimRepository,
    CommunityRepository,
    DigestSource,
    DirectorySource,
    HealthSource,
    IntroductionRepository,
    MemberRepository,
    OfferRepository,
    OutboxRepository,
    PostRepository,
    ProcessedEventRepository,
    RoundRepository,
    SigningKeyRepository,
    ThanksRepository,
    VectorRepository,
)
from storage.directory import SqlAlchemyDirectorySource, SqlAlchemyVectorRepository
from storage.errors import translated
from storage.health import SqlAlchemyHealthSource, SqlAlchemySigningKeyRepository
from storage.mapping import start_mappers
from storage.repositories import (
    SqlAlchemyAskRepository,
    SqlAlchemyCommunityRepository,
    SqlAlchemyIntroductionRepository,
    SqlAlchemyMemberRepository,
    SqlAlchemyOfferRepository,
    SqlAlchemyPostRepository,
    SqlAlchemyProcessedEventRepository,
    SqlAlchemyThanksRepository,
)
from storage.rounds import SqlAlchemyRoundRepository
from storage.scheduled import (
    SqlAlchemyClaimRepository,
    SqlAlchemyDigestSource,
    SqlAlchemyOutboxRepository,
)


class WriterTurns:
    """Units of work that write to one SQLite file from this process take turns, in
    the order they arrive, waiting on the event loop rather than in the driver.

    SQLite lets one transaction write at a time. One that finds another writing waits
    in the driver's busy handler, which sleeps and tries again in growing steps, so a
    waiting command may sleep long after the lock is free, or lose it again and again
    to newer transactions: under load a few commands waited seconds. Across processes
    the busy handler still decides. A unit of work opened inside another by the same
    task, or kept waiting longer than ``patience``, goes ahead without a turn, and
    SQLite's own waiting applies as before."""

    def __init__(self, patience: float) -> None:
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None
        self._patience = patience

    async def take(self) -> bool:
        """Wait for this task's turn; False if it goes ahead without one."""
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            return False
        try:
            await asyncio.wait_for(self._lock.acquire(), self._patience)
        except TimeoutError:
            return False
        self._holder = task
        return True

    def give_back(self) -> None:
        self._holder = None
        self._lock.release()


class SqlAlchemyUnitOfWork:
    """``async with uow: ...; await uow.commit()`` — leaving without commit rolls back.

    Objects loaded inside stay readable after the block ends: sessions are made
    with ``expire_on_commit=False`` and are closed, never expired, on the way out.
    A unit of work can be entered again; each entry opens a fresh session.

    The database's errors leave the block as the core's own (see
    :func:`storage.errors.translated`): :class:`~bot.ports.Conflict` for a race a retry
    settles, :class:`~bot.ports.StorageUnavailable` for a database out of reach.
    """

    communities: CommunityRepository
    members: MemberRepository
    offers: OfferRepository
    asks: AskRepository
    introductions: IntroductionRepository
    thanks: ThanksRepository
    posts: PostRepository
    events: ProcessedEventRepository
    digests: DigestSource
    health: HealthSource
    signing_keys: SigningKeyRepository
    claims: ClaimRepository
    outbox: OutboxRepository
    directory: DirectorySource
    vectors: VectorRepository
    rounds: RoundRepository

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], turns: WriterTurns | None = None
    ) -> None:
        start_mappers()
        self.session_factory = session_factory
        self._session: AsyncSession | None = None
        self._turns = turns
        self._has_turn = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in use")
        if self._turns is not None:
            self._has_turn = await self._turns.take()
        session = self.session_factory()
        self._session = session
        self.communities = SqlAlchemyCommunityRepository(session)
        self.members = SqlAlchemyMemberRepository(session)
        self.offers = SqlAlchemyOfferRepository(session)
        self.asks = SqlAlchemyAskRepository(session)
        self.introductions = SqlAlchemyIntroductionRepository(session)
        self.thanks = SqlAlchemyThanksRepository(session)
        self.posts = SqlAlchemyPostRepository(session)
        self.events = SqlAlchemyProcessedEventRepository(session)
        self.digests = SqlAlchemyDigestSource(session)
        self.health = SqlAlchemyHealthSource(session)
        self.signing_keys = SqlAlchemySigningKeyRepository(session)
        self.claims = SqlAlchemyClaimRepository(session)
        self.outbox = SqlAlchemyOutboxRepository(session)
        self.directory = SqlAlchemyDirectorySource(session)
        self.vectors = SqlAlchemyVectorRepository(session)
        self.rounds = SqlAlchemyRoundRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            # Closing rolls back whatever was not committed and detaches the objects
            # without expiring them, so the core can still read what it loaded.
            await session.close()
        except Exception as closing:
            if exc is None:
                _raise_translated(closing)
            # The connection went with the error being raised; that one tells the story.
        finally:
            if self._has_turn and self._turns is not None:
                self._has_turn = False
                self._turns.give_back()
        if exc is not None and (core := translated(exc)) is not None:
            raise core from exc

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except Exception as error:
            _raise_translated(error)

    async def rollback(self) -> None:
        """Discard the changes since the last commit.

        Objects loaded so far are detached first and keep the values they had in
        memory; load them again to see what is stored. (Expiring them instead
        would make any later attribute access try to reload them, which async
        sessions cannot do implicitly.)
        """
        self.session.expunge_all()
        try:
            await self.session.rollback()
        except Exception as error:
            _raise_translated(error)


def _raise_translated(error: Exception) -> NoReturn:
    """Raise the core's exception for ``error`` if there is one, else ``error`` itself;
    call it inside the ``except`` block that caught ``error``."""
    core = translated(error)
    if core is None:
        raise error
    raise core from error
