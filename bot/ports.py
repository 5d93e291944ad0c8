"""The core's ports: what it needs from storage, the chat platform and time.

Storage implements :class:`UnitOfWork` (``storage.SqlAlchemyUnitOfWork``); each
adapter implements :class:`Chat`; tests use the in-memory fakes in ``tests.core.fakes``.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
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
    OutboxMessage,
    Post,
    Subject,
    Thanks,
    member_name,
)
from bot.domain.digest import DigestFacts
from bot.domain.pairing import Obstacle, helper_obstacle
from bot.messages import Message


class Conflict(Exception):
    """Another worker changed the same data at the same moment; retrying will settle it.

    Storage raises this for unique-constraint races (two first messages from a new
    community, a double click), so the core can retry without knowing the database.
    """


class StorageUnavailable(Exception):
    """The database cannot be reached right now (restarting, failing over, too busy);
    nothing of the transaction was kept, and trying again in a while will do.

    Storage raises this instead of its driver's connection errors, so the core can tell
    members to try again, and the scheduler can back off, without knowing the database.
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


@dataclass(frozen=True)
class HelperRecord:
    """What matching needs of one member and their open offers, read as plain values
    (a hot path: every ask reads the whole community)."""

    member_id: int
    platform_user_id: str | None
    display_name: str | None
    skills: tuple[str, ...]
    bio: str | None
    timezone: str | None
    paused_until: datetime | None
    forgotten: bool
    dm_closed: bool
    """A direct message to them failed because their DMs are closed."""
    offers: tuple[tuple[int, str], ...]
    """Open offers as (id, text), oldest first."""

    @property
    def name(self) -> str:
        return member_name(self.display_name, self.platform_user_id, forgotten=self.forgotten)

    def obstacle(self, now: datetime) -> Obstacle | None:
        """Why they cannot be asked to help anyone now, if they cannot
        (see :func:`bot.domain.pairing.helper_obstacle`)."""
        return helper_obstacle(
            paused_until=self.paused_until,
            forgotten=self.forgotten,
            has_account=self.platform_user_id is not None,
            dm_closed=self.dm_closed,
            now=now,
        )


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def get_many(self, member_ids: Collection[int]) -> Sequence[Member]:
        """The members with these ids that exist, in one read."""
        ...

    async def get_by_platform_id(self, community_id: int, user_id: str) -> Member | None: ...
    async def add(self, member: Member) -> None: ...
    async def list(self, community_id: int) -> Sequence[Member]: ...
    async def helpers(self, community_id: int) -> Sequence[HelperRecord]:
        """Every member of the community with their open offers, by member id."""
        ...

    async def set_direct_messages_closed(
        self, community_id: int, user_ids: Collection[str], *, closed: bool
    ) -> None:
        """Mark these members (by platform id) as unreachable by direct message, or
        reachable again."""
        ...


class OfferRepository(Protocol):
    async def get(self, offer_id: int) -> Offer | None: ...
    async def add(self, offer: Offer) -> None: ...
    async def open_in(self, community_id: int) -> Sequence[Offer]: ...
    async def by_member(self, member_id: int) -> Sequence[Offer]: ...
    async def containing(self, community_id: int, words: str) -> Sequence[Offer]:
        """The community's offers whose text contains ``words``, as typed."""
        ...

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Offer]:
        """Open offers due a "still relevant?" check (not confirmed since the first
        date and not yet asked) or unanswered since before the second date."""
        ...


class AskRepository(Protocol):
    async def get(self, ask_id: int) -> Ask | None: ...
    async def add(self, ask: Ask) -> None: ...
    async def open_in(self, community_id: int) -> Sequence[Ask]: ...
    async def looking_for_helper(self, community_id: int) -> Sequence[Ask]:
        """Open asks, private ones included, that no helper was found for, oldest first."""
        ...

    async def by_member(self, member_id: int) -> Sequence[Ask]: ...
    async def containing(self, community_id: int, words: str) -> Sequence[Ask]:
        """The community's asks whose text contains ``words``, as typed."""
        ...

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Ask]:
        """Like :meth:`OfferRepository.stale`, for asks."""
        ...


class IntroductionRepository(Protocol):
    async def get(self, intro_id: int) -> Introduction | None: ...
    async def add(self, intro: Introduction) -> None: ...
    async def for_ask(self, ask_id: int) -> Sequence[Introduction]: ...
    async def involving(self, member_id: int) -> Sequence[Introduction]: ...
    async def in_community(self, community_id: int) -> Sequence[Introduction]: ...
    async def containing(self, community_id: int, words: str) -> Sequence[Introduction]:
        """The community's introductions whose reason contains ``words``."""
        ...

    async def pending_expired(self, now: datetime) -> Sequence[Introduction]: ...
    async def follow_ups_due(self, now: datetime) -> Sequence[Introduction]: ...
    async def reminders_due(self, now: datetime) -> Sequence[Introduction]:
        """Pending, unreminded requests at least halfway to expiry but not expired."""
        ...


class ThanksRepository(Protocol):
    async def add(self, thanks: Thanks) -> None: ...
    async def involving(self, member_id: int) -> Sequence[Thanks]: ...
    async def in_community(self, community_id: int) -> Sequence[Thanks]: ...
    async def containing(self, community_id: int, words: str) -> Sequence[Thanks]:
        """The community's thank-yous whose note contains ``words``."""
        ...


class PostRepository(Protocol):
    async def add(self, post: Post) -> None: ...
    async def for_subject(self, community_id: int, subject: Subject) -> Sequence[Post]: ...
    async def find(self, community_id: int, channel_id: str, message_id: str) -> Post | None: ...
    async def delete(self, post: Post) -> None: ...


class ProcessedEventRepository(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool:
        """Record a platform event id; False if it was recorded before (a retry)."""
        ...

    async def forget_before(self, cutoff: datetime) -> int:
        """Forget the event ids recorded before ``cutoff``; returns how many."""
        ...


class DigestSource(Protocol):
    async def facts(self, community_id: int, since: datetime, until: datetime) -> DigestFacts:
        """What a digest for this period may mention: the week's offers, thanks,
        introductions and newcomers, every open ask, and only the members they name."""
        ...


class ClaimRepository(Protocol):
    """Scheduled work that was done, by a unique key, so each piece is done once."""

    async def claim(self, key: str, now: datetime) -> bool:
        """Record ``key`` in this transaction; False if it is already recorded.

        A concurrent transaction claiming the same key waits for this one and
        then gets False if this one commits, True if it rolls back.
        """
        ...

    async def claimed(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are already recorded (committed), in one query."""
        ...

    async def release(self, keys: Collection[str]) -> None:
        """Forget these claims, so that their work is planned again."""
        ...


class OutboxRepository(Protocol):
    """Messages waiting to be delivered by whichever process gets to them first."""

    async def add(self, entry: OutboxMessage) -> None: ...
    async def get(self, entry_id: int) -> OutboxMessage | None: ...
    async def drop_unsent_naming(self, community_id: int, platform_user_id: str) -> Sequence[str]:
        """Delete the community's messages not yet sent that name a member, by the id
        their platform knows them by; returns their keys."""
        ...

    async def claim_due(
        self,
        now: datetime,
        lease_until: datetime,
        limit: int,
        *,
        key_prefix: str = "",
        community_key: str | None = None,
        owner: str = "",
    ) -> Sequence[OutboxMessage]:
        """Lease up to ``limit`` pending messages whose ``claimed_until`` has passed,
        oldest first, to ``owner`` until ``lease_until``; rows another transaction is
        leasing right now are skipped, not waited for. With ``key_prefix`` only
        messages for communities whose key starts with it are leased; with
        ``community_key``, only that community's.

        A message still marked with an earlier owner was let go by nobody: its sender
        died or lost its answer mid-send, so it comes back with ``maybe_delivered``."""
        ...

    async def renew(
        self, owner: str, entry_ids: Collection[int], lease_until: datetime
    ) -> Collection[int]:
        """Extend ``owner``'s lease on these pending messages; returns those it still
        held (a message whose lease ran out may have been taken over)."""
        ...

    async def release(
        self, owner: str, entry_ids: Collection[int], now: datetime, *, in_doubt: bool
    ) -> None:
        """Hand these pending messages, if ``owner`` still holds them, to whichever
        sender comes next. ``in_doubt``: they may have reached the platform already (a
        send was interrupted), so the next sender is told to check."""
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
    digests: DigestSource
    claims: ClaimRepository
    outbox: OutboxRepository

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
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    OTHER = "other"

    @property
    def is_transient(self) -> bool:
        """Worth trying again later as it is (the platform was busy or down)."""
        return self in (DeliveryProblem.RATE_LIMITED, DeliveryProblem.UNAVAILABLE)


class DeliveryFailed(Exception):
    """The platform refused a message, for a reason someone can fix or (if
    :attr:`DeliveryProblem.is_transient`) one that passes; ``retry_after`` is the
    platform's hint in seconds, when it gave one. ``users`` names the members a
    message could not reach when it reached others (empty: nobody was reached)."""

    def __init__(
        self,
        problem: DeliveryProblem,
        detail: str = "",
        *,
        retry_after: float | None = None,
        users: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail
        self.retry_after = retry_after
        self.users = users


@dataclass(frozen=True)
class SendOnce:
    """What makes a scheduled message the same message on every attempt to send it,
    so a platform that can tell may keep it from arriving twice."""

    key: str
    """The message's outbox key, the same on every attempt."""
    since: datetime
    """When it was decided on: it cannot have arrived before."""
    retry: bool = False
    """An earlier attempt may have reached the platform (its sender died, or lost
    the platform's answer): look before sending again, where the platform can."""


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

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        """Deliver a message; return where a channel post landed (None otherwise).

        ``once`` comes with scheduled messages: where the platform allows, the same
        ``once.key`` never makes two messages (Discord's nonces; on Slack the key is
        attached as message metadata, and looked for before a ``retry``).

        Raises :class:`DeliveryFailed` for problems worth telling someone about.
        """
        ...

    async def update(self, ref: PostRef, message: Message) -> None: ...
    async def delete(self, ref: PostRef) -> None: ...
