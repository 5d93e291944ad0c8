"""The core's ports: what it needs from storage, the chat platform and time.

Storage implements :class:`UnitOfWork` (``storage.SqlAlchemyUnitOfWork``); each
adapter implements :class:`Chat`; tests use the in-memory fakes in ``tests.core.fakes``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

import numpy as np
import numpy.typing as npt

from bot.chat import Chat, DeliveryFailed, DeliveryProblem, PostRef, SendOnce
from bot.domain import (
    Ask,
    Community,
    Introduction,
    Member,
    NeverPair,
    Offer,
    OutboxMessage,
    Post,
    Round,
    RoundGroup,
    RoundParticipant,
    Subject,
    Thanks,
)
from bot.domain.digest import DigestFacts
from bot.domain.directory import DirectoryChanges, FieldVector, MissingVector
from bot.domain.health import HealthFacts


class Conflict(Exception):
    """Another worker changed the same data at the same moment; retrying will settle it.

    Storage raises this for unique-constraint races (two first messages from a new
    community, a double click), so the core can retry without knowing the database."""


class TextEncoder(Protocol):
    """A sentence model: texts in, unit vectors out (one row each), computed off the
    event loop. ``model_id`` names the model, so vectors of different models are
    never compared."""

    @property
    def model_id(self) -> str: ...
    @property
    def dimensions(self) -> int: ...
    async def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


class StorageUnavailable(Exception):
    """The database cannot be reached right now (restarting, failing over, too busy);
    nothing of the transaction was kept, and trying again in a while will do.

    Storage raises this instead of its driver's connection errors, so the core can tell
    members to try again, and the scheduler can back off, without knowing the database.
    """


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


class CommunityRepository(Protocol):
    async def get(self, community_id: int) -> Community | None: ...
    async def get_by_key(self, key: str) -> Community | None: ...
    async def add(self, community: Community) -> None: ...
    async def list(self) -> Sequence[Community]: ...


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def get_many(self, member_ids: Collection[int]) -> Sequence[Member]:
        """The members with these ids that exist, in one read."""

    async def get_by_platform_id(self, community_id: int, user_id: str) -> Member | None: ...
    async def platform_id_like(self, community_id: int, typed: str) -> str | None:
        """The platform id of the member here whose id is ``typed``, ignoring case."""

    async def keep_out(self, community_id: int, user_id: str) -> None:
        """Remember that the member with this platform id here used forget-me, as its
        :func:`bot.domain.handle_fingerprint` alone."""

    async def kept_out(self, community_id: int) -> frozenset[str]:
        """The fingerprints of the platform ids of members who used forget-me here."""

    async def forget_kept_out(self, community_id: int) -> None: ...  # erased whole
    async def breaks_over(self, now: datetime, community_id: int | None = None) -> Sequence[Member]:
        """Members still marked as paused whose break ended by ``now`` (in one community)."""

    async def add(self, member: Member) -> None: ...
    async def list(self, community_id: int) -> Sequence[Member]: ...
    async def ids_after(
        self, after: int, limit: int, *, community_id: int | None = None
    ) -> Sequence[int]:
        """Member ids above ``after``, in order, at most ``limit`` of them."""

    async def count(self, community_id: int | None = None, *, forgotten: bool = True) -> int:
        """Members, in one community or all; without those who used forget-me when
        ``forgotten`` is false."""

    async def set_direct_messages_closed(
        self, community_id: int, user_ids: Collection[str], *, closed: bool
    ) -> None:
        """Mark these members (by platform id) as closed to direct messages, or open."""


class OfferRepository(Protocol):
    async def get(self, offer_id: int) -> Offer | None: ...
    async def add(self, offer: Offer) -> None: ...
    async def open_in(self, community_id: int) -> Sequence[Offer]: ...
    async def by_member(self, member_id: int) -> Sequence[Offer]: ...
    async def open_texts_of(self, member_id: int) -> Sequence[str]:
        """The texts of a member's open offers (nothing else of them is read)."""

    async def has_offered(self, member_id: int) -> bool: ...  # ever; reads one row
    async def containing(self, community_id: int, words: str) -> Sequence[Offer]:
        """The community's offers whose text contains ``words``, as typed."""

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Offer]:
        """Open offers due a "still relevant?" check (not confirmed since the first
        date and not yet asked) or unanswered since before the second date."""


class AskRepository(Protocol):
    async def get(self, ask_id: int) -> Ask | None: ...
    async def get_many(self, ask_ids: Collection[int]) -> Sequence[Ask]: ...
    async def add(self, ask: Ask) -> None: ...
    async def open_in(self, community_id: int) -> Sequence[Ask]: ...
    async def looking_for_helper(self, community_id: int) -> Sequence[Ask]:
        """Open asks, private ones included, that no helper was found for, oldest first."""

    async def by_member(self, member_id: int) -> Sequence[Ask]: ...
    async def open_texts_of(self, member_id: int) -> Sequence[tuple[str, bool]]:
        """The texts of a member's open asks, each with whether it is private."""

    async def containing(self, community_id: int, words: str) -> Sequence[Ask]:
        """The community's asks whose text contains ``words``, as typed."""

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Ask]:
        """Like :meth:`OfferRepository.stale`, for asks."""


class IntroductionRepository(Protocol):
    async def get(self, intro_id: int) -> Introduction | None: ...
    async def add(self, intro: Introduction) -> None: ...
    async def for_ask(self, ask_id: int) -> Sequence[Introduction]: ...
    async def involving(self, member_id: int) -> Sequence[Introduction]: ...
    async def involving_any(self, member_ids: Collection[int]) -> Sequence[Introduction]: ...
    async def in_community(self, community_id: int) -> Sequence[Introduction]: ...
    async def loads(
        self, community_id: int, helper_ids: Collection[int], since: datetime
    ) -> dict[int, int]:
        """New introductions (waiting or accepted) per helper, requested since then."""

    async def containing(self, community_id: int, words: str) -> Sequence[Introduction]:
        """The community's introductions whose reason contains ``words``."""

    async def margin_outcomes(self, community_id: int, limit: int) -> list[tuple[float, bool]]: ...
    async def pending_expired(self, now: datetime) -> Sequence[Introduction]: ...
    async def follow_ups_due(self, now: datetime) -> Sequence[Introduction]:
        """Those whose :meth:`Introduction.follow_up_is_due`."""

    async def reminders_due(self, now: datetime) -> Sequence[Introduction]:
        """Pending, unreminded requests at least halfway to expiry but not expired."""


class ThanksRepository(Protocol):
    async def add(self, thanks: Thanks) -> None: ...
    async def involving(self, member_id: int) -> Sequence[Thanks]: ...
    async def in_community(self, community_id: int) -> Sequence[Thanks]: ...
    async def containing(self, community_id: int, words: str) -> Sequence[Thanks]:
        """The community's thank-yous whose note contains ``words``."""


class PostRepository(Protocol):
    async def add(self, post: Post, names: Collection[str] = ()) -> None: ...
    async def for_subject(self, community_id: int, subject: Subject) -> Sequence[Post]: ...
    async def unname(self, community_id: int, user_id: str) -> Sequence[Subject]: ...
    async def find(self, community_id: int, channel_id: str, message_id: str) -> Post | None: ...
    async def latest(self, community_id: int) -> Post | None: ...

    async def delete(self, post: Post) -> None: ...


class ProcessedEventRepository(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool:
        """Record a platform event id; False if it was recorded before (a retry)."""

    async def forget_before(self, cutoff: datetime) -> int:
        """Forget the event ids recorded before ``cutoff``; returns how many."""


class DigestSource(Protocol):
    async def facts(self, community_id: int, since: datetime, until: datetime) -> DigestFacts:
        """What a digest for this period may mention: the week's offers, thanks,
        introductions and newcomers, every open ask, and only the members they name."""


class HealthSource(Protocol):
    async def facts(self, community_id: int) -> HealthFacts:
        """The community's whole history as dates, statuses and ids, for its health
        figures: no names, and no text but the skills of asks."""


class SigningKeyRepository(Protocol):
    async def get_or_add(self, name: str, candidate: str, now: datetime) -> str:
        """The key stored under ``name``; if there is none, ``candidate`` is stored and
        returned. Workers racing to store one all get the one stored first."""


class ClaimRepository(Protocol):
    """Scheduled work that was done, by a unique key, so each piece is done once."""

    async def claim(self, key: str, now: datetime) -> bool:
        """Record ``key`` in this transaction; False if it is already recorded. A
        concurrent transaction claiming the same key waits for this one and then gets
        False if this one commits, True if it rolls back."""

    async def claimed(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are already recorded (committed), in one query."""

    async def latest(self, prefix: str) -> str | None:
        """The greatest key recorded that starts with ``prefix``, None if there is none."""

    async def release(self, keys: Collection[str]) -> None:
        """Forget these claims, so that their work is planned again."""


class OutboxRepository(Protocol):
    """Messages waiting to be delivered by whichever process gets to them first."""

    async def add(self, entry: OutboxMessage, names: Collection[str] = ()) -> None: ...
    async def get(self, entry_id: int) -> OutboxMessage | None: ...
    async def drop_unsent_naming(self, community_id: int, platform_user_id: str) -> Sequence[str]:
        """Delete the community's messages not yet sent that name a member, by the id
        their platform knows them by; returns their keys."""

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

    async def renew(
        self, owner: str, entry_ids: Collection[int], lease_until: datetime
    ) -> Collection[int]:
        """Extend ``owner``'s lease on these pending messages; returns those it still
        held (a message whose lease ran out may have been taken over)."""

    async def release(
        self, owner: str, entry_ids: Collection[int], now: datetime, *, in_doubt: bool
    ) -> None:
        """Hand these pending messages, if ``owner`` still holds them, to whichever
        sender comes next. ``in_doubt``: they may have reached the platform already (a
        send was interrupted), so the next sender is told to check."""


class DirectorySource(Protocol):
    """The helper directory's reads: what changed in a community since a revision."""

    async def revision(self, community_id: int) -> int:
        """The community's latest committed directory revision."""

    async def changes(
        self,
        community_id: int,
        since: int,
        until: int,
        *,
        model: str | None,
        after_member: int = 0,
        limit: int | None = None,
    ) -> DirectoryChanges:
        """Members (with open offers and the vectors of ``model``) and asks that changed
        after revision ``since`` up to ``until``; from revision 0, everyone, in pages of
        ``limit`` members with ids above ``after_member`` (asks come with the first)."""


class VectorRepository(Protocol):
    """The vectors of members' words, one per field (see :class:`FieldVector`)."""

    async def put(self, community_id: int, member_id: int, model: str, vector: FieldVector) -> None:
        """Store a field's vector, replacing what was stored under its key."""

    async def delete(self, keys: Collection[str]) -> None: ...
    async def forget_member(self, member_id: int) -> None:
        """Delete every vector made from a member's words (they are their words too)."""

    async def get(self, key: str, model: str) -> FieldVector | None: ...
    async def missing(
        self, model: str, *, after_member: int, limit: int, community_id: int | None = None
    ) -> Sequence[MissingVector]:
        """Fields of members with ids above ``after_member`` (and open asks' texts) whose
        vector of ``model`` is missing or was made from other words, by member id."""


class RoundRepository(Protocol):
    """Give-first rounds: who joined, never lists, and the rounds with their groups."""

    async def participants(self, community_id: int) -> Sequence[RoundParticipant]: ...
    async def participant(self, member_id: int) -> RoundParticipant | None: ...
    async def join(self, participant: RoundParticipant) -> None: ...
    async def leave(self, participant: RoundParticipant) -> None: ...
    async def never_list(self, member_id: int) -> Sequence[NeverPair]:
        """The members this member asked never to be paired with."""

    async def never_pairs(self, community_id: int) -> Sequence[NeverPair]: ...
    async def add_never(self, never: NeverPair) -> None: ...
    async def remove_never(self, never: NeverPair) -> None: ...
    async def add(self, round_: Round) -> None: ...
    async def add_group(self, group: RoundGroup) -> None: ...
    async def latest(self, community_id: int, limit: int) -> Sequence[Round]:
        """The community's most recent rounds, newest first."""

    async def groups_of(self, round_ids: Collection[int]) -> Sequence[RoundGroup]: ...
    async def groups_involving(self, member: Member) -> Sequence[tuple[Round, RoundGroup]]:
        """Every group a member was put in, with its round, oldest first."""

    async def group(self, group_id: int) -> RoundGroup | None:
        """A group, to record an answer in: no other transaction changes it meanwhile."""

    async def follow_ups_due(self, now: datetime) -> Sequence[Round]:
        """Rounds whose "did you meet?" is due and not yet sent."""

    async def forget_member(self, member_id: int) -> None:
        """Remove a member from the rounds and from every never list, theirs and others'."""


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
    health: HealthSource
    signing_keys: SigningKeyRepository
    claims: ClaimRepository
    outbox: OutboxRepository
    directory: DirectorySource
    vectors: VectorRepository
    rounds: RoundRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


__all__ = [
    "Chat",
    "Clock",
    "Conflict",
    "DeliveryFailed",
    "DeliveryProblem",
    "PostRef",
    "SendOnce",
    "StorageUnavailable",
    "TextEncoder",
    "UnitOfWork",
]
