"""The core's ports: what it needs from storage, the chat platform and time.

Storage implements :class:`UnitOfWork` (``storage.SqlAlchemyUnitOfWork``); each
adapter implements :class:`Chat`; tests use the in-memory fakes in ``bot.fakes``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.domain import (
    Ask,
    Community,
    Introduction,
    Member,
    Offer,
    Post,
    Subject,
    Thanks,
)
from bot.messages import Message


class Conflict(Exception):
    """Another worker changed the same data at the same moment; retrying will settle it.

    Storage raises this for unique-constraint races (two first messages from a new
    community, a double click), so the core can retry without knowing the database.
    """


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class CommunityRepository(Protocol):
    async def get(self, community_id: int) -> Community | None: ...
    async def get_by_key(self, key: str) -> Community | None: ...
    async def add(self, community: Community) -> None: ...
    async def list(self) -> Sequence[Community]: ...


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def get_by_platform_id(self, community_id: int, user_id: str) -> Member | None: ...
    async def add(self, member: Member) -> None: ...
    async def list(self, community_id: int) -> Sequence[Member]: ...


class OfferRepository(Protocol):
    async def get(self, offer_id: int) -> Offer | None: ...
    async def add(self, offer: Offer) -> None: ...
    async def open_in(self, community_id: int) -> Sequence[Offer]: ...
    async def by_member(self, member_id: int) -> Sequence[Offer]: ...


class AskRepository(Protocol):
    async def get(self, ask_id: int) -> Ask | None: ...
    async def add(self, ask: Ask) -> None: ...
    async def open_in(self, community_id: int) -> Sequence[Ask]: ...
    async def by_member(self, member_id: int) -> Sequence[Ask]: ...


class IntroductionRepository(Protocol):
    async def get(self, intro_id: int) -> Introduction | None: ...
    async def add(self, intro: Introduction) -> None: ...
    async def for_ask(self, ask_id: int) -> Sequence[Introduction]: ...
    async def involving(self, member_id: int) -> Sequence[Introduction]: ...
    async def in_community(self, community_id: int) -> Sequence[Introduction]: ...
    async def pending_expired(self, now: datetime) -> Sequence[Introduction]: ...
    async def follow_ups_due(self, now: datetime) -> Sequence[Introduction]: ...


class ThanksRepository(Protocol):
    async def add(self, thanks: Thanks) -> None: ...
    async def involving(self, member_id: int) -> Sequence[Thanks]: ...
    async def in_community(self, community_id: int) -> Sequence[Thanks]: ...


class PostRepository(Protocol):
    async def add(self, post: Post) -> None: ...
    async def for_subject(self, community_id: int, subject: Subject) -> Sequence[Post]: ...
    async def find(self, community_id: int, channel_id: str, message_id: str) -> Post | None: ...
    async def delete(self, post: Post) -> None: ...


class ProcessedEventRepository(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool:
        """Record a platform event id; False if it was recorded before (a retry)."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository: ``async with uow: ...; await uow.commit()``.

    Leaving the block without committing rolls back. Objects loaded inside stay
    usable (read-only) after the block ends.
    """

    communities: CommunityRepository
    members: MemberRepository
    offers: OfferRepository
    asks: AskRepository
    introductions: IntroductionRepository
    thanks: ThanksRepository
    posts: PostRepository
    events: ProcessedEventRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class DeliveryProblem(enum.StrEnum):
    DM_CLOSED = "dm_closed"
    NOT_IN_CHANNEL = "not_in_channel"
    CHANNEL_NOT_FOUND = "channel_not_found"
    MISSING_PERMISSION = "missing_permission"
    OTHER = "other"


class DeliveryFailed(Exception):
    """The platform refused a message for a reason a member or admin can fix."""

    def __init__(self, problem: DeliveryProblem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class PostRef:
    """Where a channel post landed, so later reactions and updates can find it."""

    channel_id: str
    message_id: str


class Chat(Protocol):
    """The way back to the platform, implemented by each adapter.

    An adapter builds one per incoming event (so ephemeral replies reach the
    right person in the right place) and one without a reply context for
    scheduled work, which sends only DMs and channel posts.
    """

    async def send(self, message: Message, *, default_channel: str | None) -> PostRef | None:
        """Deliver a message; return where a channel post landed (None otherwise).

        Raises :class:`DeliveryFailed` for problems worth telling someone about.
        """
        ...

    async def update(self, ref: PostRef, message: Message) -> None: ...
    async def delete(self, ref: PostRef) -> None: ...
