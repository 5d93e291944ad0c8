"""Storage for scheduled work: claims, the outbox, and lean digest queries.

Claims are rows with a unique key, inserted with ``ON CONFLICT DO NOTHING`` in
the same transaction as the work they stand for, so of several processes only
one ever commits a given piece of work. Outbox rows are leased with one
``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`` statement:
on PostgreSQL concurrent senders skip each other's rows instead of waiting; on
SQLite (no row locks, one writer at a time) the single statement is atomic.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    event,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction, registry
from sqlalchemy.sql.elements import ColumnElement

from bot.domain import (
    Ask,
    AskStatus,
    Introduction,
    IntroStatus,
    Member,
    Offer,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    Thanks,
)
from bot.domain.digest import DigestFacts
from bot.messages import MENTIONED
from storage import tables
from storage.columns import StrEnumType, UTCDateTime
from storage.directory import DirectorySession

scheduled_claims = Table(
    "scheduled_claims",
    tables.metadata,
    Column("key", String(255), primary_key=True),
    Column("claimed_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    tables.metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    tables._community_id(),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime, nullable=False),
    Column("status", StrEnumType(OutboxStatus), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Column("claimed_by", String(64)),
    Column("maybe_delivered", Boolean, nullable=False, server_default=false()),
    Index(None, "status", "claimed_until"),
)
outbox_names = Table(
    "outbox_names",
    tables.metadata,
    Column(
        "outbox_id",
        Integer,
        ForeignKey("outbox.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", String(255), primary_key=True),
    Index(None, "user_id"),
)
"""The members each outbox message is addressed to or mentions, by platform id."""


def map_outbox(mappers: registry) -> None:
    mappers.map_imperatively(OutboxMessage, outbox)


@event.listens_for(DirectorySession, "after_flush")
def _forget_names_once_out(session: Session, _context: UOWTransaction) -> None:
    """A message sent or given up on no longer needs to be found by the members it
    names: who it named is not kept after it leaves the outbox."""
    done = [
        entry.id
        for entry in session.dirty
        if isinstance(entry, OutboxMessage)
        and entry.id is not None
        and entry.status is not OutboxStatus.PENDING
    ]
    if done:
        session.execute(delete(outbox_names).where(outbox_names.c.outbox_id.in_(done)))


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, for ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    name = session.get_bind().dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert


class SqlAlchemyClaimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, key: str, now: datetime) -> bool:
        statement = (
            insert_for(self._session)(scheduled_claims)
            .values(key=key, claimed_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(scheduled_claims.c.key)
        )
        return (await self._session.execute(statement)).first() is not None

    async def release(self, keys: Collection[str]) -> None:
        if keys:
            await self._session.execute(
                delete(scheduled_claims).where(scheduled_claims.c.key.in_(sorted(keys)))
            )

    async def claimed(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = await self._session.scalars(
                select(scheduled_claims.c.key).where(scheduled_claims.c.key.in_(chunk))
            )
            found.update(rows)
        return found

    async def latest(self, prefix: str) -> str | None:
        # Compared here, not by the database: a PostgreSQL database's collation (as
        # en_US.UTF-8) may order "digest:1:…" after "digest:10:…", and a range or MAX
        # over keys would then miss or mistake them. A community's digests are few.
        key = scheduled_claims.c.key
        found = await self._session.scalars(
            select(key).where(key.startswith(prefix, autoescape=True))
        )
        return max(found, default=None)


class SqlAlchemyOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: OutboxMessage, names: Collection[str] = ()) -> None:
        self._session.add(entry)
        await self._session.flush()
        if names:
            await self._session.execute(
                outbox_names.insert(),
                [{"outbox_id": entry.id, "user_id": name} for name in sorted(names)],
            )

    async def get(self, entry_id: int) -> OutboxMessage | None:
        return await self._session.get(OutboxMessage, entry_id)

    async def drop_unsent_naming(self, community_id: int, platform_user_id: str) -> Sequence[str]:
        naming = select(outbox_names.c.outbox_id).where(outbox_names.c.user_id == platform_user_id)
        dropped = await self._session.scalars(
            delete(outbox)
            .where(
                outbox.c.community_id == community_id,
                outbox.c.status == OutboxStatus.PENDING,
                outbox.c.id.in_(naming),
            )
            .returning(outbox.c.key)
        )
        await self._session.execute(
            delete(outbox_names).where(outbox_names.c.user_id == platform_user_id)
        )
        return dropped.all()

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
        due = (
            select(outbox.c.id)
            .where(outbox.c.status == OutboxStatus.PENDING, outbox.c.claimed_until <= now)
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(of=outbox, skip_locked=True)
        )
        if key_prefix or community_key is not None:
            communities = tables.communities
            due = due.join(communities, communities.c.id == outbox.c.community_id)
            if key_prefix:
                due = due.where(communities.c.key.startswith(key_prefix, autoescape=True))
            if community_key is not None:
                due = due.where(communities.c.key == community_key)
        leased = await self._session.scalars(
            update(outbox)
            .where(outbox.c.id.in_(due))
            .values(
                claimed_until=lease_until,
                attempts=outbox.c.attempts + 1,
                claimed_by=owner or None,
                # On the right, the values before this update: a previous owner still
                # named never let go of the message.
                maybe_delivered=outbox.c.maybe_delivered | outbox.c.claimed_by.is_not(None),
            )
            .returning(outbox.c.id)
        )
        ids = sorted(leased)
        if not ids:
            return []
        rows = await self._session.scalars(
            select(OutboxMessage)
            .where(outbox.c.id.in_(ids))
            .order_by(outbox.c.id)
            .execution_options(populate_existing=True)
        )
        return rows.all()

    async def renew(
        self, owner: str, entry_ids: Collection[int], lease_until: datetime
    ) -> Collection[int]:
        if not entry_ids:
            return set()
        renewed = await self._session.scalars(
            update(outbox)
            .where(*self._held_by(owner, entry_ids))
            .where(outbox.c.claimed_until < lease_until)  # a held message waits its turn
            .values(claimed_until=lease_until)
            .returning(outbox.c.id)
        )
        return set(renewed)

    async def release(
        self, owner: str, entry_ids: Collection[int], now: datetime, *, in_doubt: bool
    ) -> None:
        if not entry_ids:
            return
        await self._session.execute(
            update(outbox)
            .where(*self._held_by(owner, entry_ids))
            # An interrupted send keeps its owner's name: whoever leases it next is told.
            .values(claimed_until=now, **({} if in_doubt else {"claimed_by": None}))
        )

    @staticmethod
    def _held_by(owner: str, entry_ids: Collection[int]) -> list[ColumnElement[bool]]:
        return [
            outbox.c.id.in_(sorted(entry_ids)),
            outbox.c.claimed_by == owner,
            outbox.c.status == OutboxStatus.PENDING,
        ]


class SqlAlchemyDigestSource:
    """A digest's facts in six queries, loading only the members it can name."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def facts(self, community_id: int, since: datetime, until: datetime) -> DigestFacts:
        o, a, i, t, m = (
            tables.offers,
            tables.asks,
            tables.introductions,
            tables.thanks,
            tables.members,
        )
        new_offers: list[ColumnElement[bool]] = [
            o.c.community_id == community_id,
            o.c.status == OfferStatus.OPEN,
            o.c.imported.is_(False),
            o.c.created_at >= since,
            o.c.created_at < until,
        ]
        # Introduced to a helper, it is no longer looking (unless that did not work out).
        introduced = select(i.c.id).where(
            i.c.ask_id == a.c.id,
            i.c.status == IntroStatus.ACCEPTED,
            or_(i.c.outcome.is_(None), i.c.outcome != Outcome.DIDNT_WORK),
        )
        waiting: list[ColumnElement[bool]] = [
            a.c.community_id == community_id,
            a.c.status == AskStatus.OPEN,
            a.c.private.is_(False),
            ~introduced.exists(),
        ]
        week_thanks: list[ColumnElement[bool]] = [
            t.c.community_id == community_id,
            t.c.created_at >= since,
            t.c.created_at < until,
        ]

        offers = (await self._session.scalars(select(Offer).where(*new_offers))).all()
        asks = (await self._session.scalars(select(Ask).where(*waiting))).all()
        introductions = (
            await self._session.scalars(
                select(Introduction).where(
                    i.c.community_id == community_id,
                    or_(
                        i.c.decided_at.between(since, until),
                        i.c.outcome_at.between(since, until),
                    ),
                )
            )
        ).all()
        thanks = (await self._session.scalars(select(Thanks).where(*week_thanks))).all()
        new_members = m.c.first_used_at.between(since, until)
        private_askers = await self._session.scalars(
            select(a.c.member_id)
            .distinct()
            .join(m, m.c.id == a.c.member_id)
            .where(
                a.c.community_id == community_id,
                a.c.private.is_(True),
                a.c.created_at >= since,
                a.c.created_at < until,
                new_members,
            )
        )
        mentioned = {
            user_id
            for words in (
                *(offer.text for offer in offers),
                *(ask.text for ask in asks),
                *(t.note for t in thanks),
            )
            for user_id in MENTIONED.findall(words)
        }
        named = or_(
            m.c.platform_user_id.in_(sorted(mentioned)),
            m.c.id.in_(select(o.c.member_id).where(*new_offers)),
            m.c.id.in_(select(a.c.member_id).where(*waiting)),
            m.c.id.in_(select(t.c.giver_id).where(*week_thanks)),
            m.c.id.in_(select(t.c.receiver_id).where(*week_thanks)),
            new_members,
        )
        members = (
            await self._session.scalars(
                select(Member).where(m.c.community_id == community_id, named)
            )
        ).all()
        return DigestFacts(
            since=since,
            until=until,
            members={member.id or 0: member for member in members},
            offers=offers,
            open_asks=asks,
            introductions=introductions,
            thanks=thanks,
            private_askers=frozenset(private_askers),
        )


async def stale(
    session: AsyncSession,
    entity: type[Ask] | type[Offer],
    community_id: int,
    unconfirmed_since: datetime,
    asked_before: datetime,
) -> Sequence[Any]:
    """Open asks or offers due a "still relevant?" check, or unanswered too long: the
    rule of :func:`bot.domain.due_relevance_check`, as a query narrow enough for a
    community of any size (the core applies the rule itself to what it reads)."""
    table = tables.asks if entity is Ask else tables.offers
    is_open = AskStatus.OPEN if entity is Ask else OfferStatus.OPEN
    base = table.c.confirmed_at.is_(None) & (table.c.created_at <= unconfirmed_since)
    base |= table.c.confirmed_at <= unconfirmed_since
    rows = await session.scalars(
        select(entity)
        .where(
            table.c.community_id == community_id,
            table.c.status == is_open,
            or_(
                table.c.relevance_asked_at.is_(None) & base,
                table.c.relevance_asked_at <= asked_before,
            ),
        )
        .order_by(table.c.id)
    )
    return rows.all()


async def reminders_due(session: AsyncSession, now: datetime) -> Sequence[Introduction]:
    """Pending, unreminded requests; the halfway point is checked in Python since
    date arithmetic differs between SQLite and PostgreSQL."""
    i = tables.introductions
    rows = await session.scalars(
        select(Introduction)
        .where(
            i.c.status == "pending",
            i.c.reminded_at.is_(None),
            i.c.expires_at > now,
        )
        .order_by(i.c.id)
    )
    return [intro for intro in rows if intro.needs_reminder(now)]
