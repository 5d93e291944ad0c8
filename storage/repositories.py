"""SQLAlchemy implementations of the core's repository ports."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import (
    Ask,
    AskStatus,
    Community,
    Introduction,
    IntroStatus,
    Member,
    Offer,
    OfferStatus,
    Outcome,
    Post,
    Subject,
    Thanks,
    handle_fingerprint,
)
from bot.ports import Conflict
from storage import scheduled, tables
from storage.directory import note_change

_E = TypeVar("_E")


class _SqlAlchemyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _get_many(self, entity: type[_E], table: Table, ids: Collection[int]) -> Sequence[_E]:
        """The entities with these ids (those there are), in one query."""
        if not ids:
            return []
        return (await self.session.scalars(select(entity).where(table.c.id.in_(ids)))).all()

    async def _add(self, entity: object) -> None:
        # Flushing now gives the entity its id, which the core uses straight away.
        self.session.add(entity)
        try:
            await self.session.flush()
        except IntegrityError as error:
            raise Conflict(str(error.orig)) from error


class SqlAlchemyCommunityRepository(_SqlAlchemyRepository):
    async def get(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def get_by_key(self, key: str) -> Community | None:
        c = tables.communities.c
        result = await self.session.scalars(select(Community).where(c.key == key))
        return result.one_or_none()

    async def add(self, community: Community) -> None:
        await self._add(community)

    async def list(self) -> Sequence[Community]:
        result = await self.session.scalars(select(Community).order_by(tables.communities.c.id))
        return result.all()


class SqlAlchemyMemberRepository(_SqlAlchemyRepository):
    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def get_many(self, member_ids: Collection[int]) -> Sequence[Member]:
        return await self._get_many(Member, tables.members, member_ids)

    async def get_by_platform_id(self, community_id: int, user_id: str) -> Member | None:
        c = tables.members.c
        result = await self.session.scalars(
            select(Member).where(c.community_id == community_id, c.platform_user_id == user_id)
        )
        return result.one_or_none()

    async def platform_id_like(self, community_id: int, typed: str) -> str | None:
        c = tables.members.c
        found = await self.session.execute(
            select(c.platform_user_id)
            .where(c.community_id == community_id, func.lower(c.platform_user_id) == typed.lower())
            .order_by(c.id)
            .limit(1)
        )
        return found.scalar()

    async def keep_out(self, community_id: int, user_id: str) -> None:
        kept = tables.forgotten_handles
        fingerprint = handle_fingerprint(user_id)
        known = await self.session.execute(
            select(kept.c.id)
            .where(kept.c.community_id == community_id, kept.c.fingerprint == fingerprint)
            .limit(1)
        )
        if known.first() is None:
            await self.session.execute(
                insert(kept).values(community_id=community_id, fingerprint=fingerprint)
            )

    async def kept_out(self, community_id: int) -> frozenset[str]:
        c = tables.forgotten_handles.c
        found = await self.session.scalars(
            select(c.fingerprint).where(c.community_id == community_id)
        )
        return frozenset(found.all())

    async def forget_kept_out(self, community_id: int) -> None:
        kept = tables.forgotten_handles
        await self.session.execute(delete(kept).where(kept.c.community_id == community_id))

    async def breaks_over(self, now: datetime, community_id: int | None = None) -> Sequence[Member]:
        c = tables.members.c
        query = select(Member).where(c.paused_until <= now, c.forgotten_at.is_(None))
        if community_id is not None:
            query = query.where(c.community_id == community_id)
        return (await self.session.scalars(query.order_by(c.id))).all()

    async def add(self, member: Member) -> None:
        await self._add(member)

    async def list(self, community_id: int) -> Sequence[Member]:
        c = tables.members.c
        result = await self.session.scalars(
            select(Member).where(c.community_id == community_id).order_by(c.id)
        )
        return result.all()

    async def ids_after(
        self, after: int, limit: int, *, community_id: int | None = None
    ) -> Sequence[int]:
        c = tables.members.c
        query = select(c.id).where(c.id > after).order_by(c.id).limit(limit)
        if community_id is not None:
            query = query.where(c.community_id == community_id)
        return list(await self.session.scalars(query))

    async def count(self, community_id: int | None = None, *, forgotten: bool = True) -> int:
        c = tables.members.c
        query = select(func.count()).select_from(tables.members)
        if community_id is not None:
            query = query.where(c.community_id == community_id)
        if not forgotten:
            query = query.where(c.forgotten_at.is_(None))
        return int(await self.session.scalar(query) or 0)

    async def set_direct_messages_closed(
        self, community_id: int, user_ids: Collection[str], *, closed: bool
    ) -> None:
        c = tables.members.c
        changed = await self.session.scalars(
            update(Member)
            .where(
                c.community_id == community_id,
                c.platform_user_id.in_(list(user_ids)),
                c.dm_closed.is_not(closed),
            )
            .values(dm_closed=closed)
            .returning(c.id)
            .execution_options(synchronize_session="fetch")
        )
        for member_id in changed.all():
            note_change(self.session.sync_session, tables.members, member_id, community_id)


class SqlAlchemyOfferRepository(_SqlAlchemyRepository):
    async def get(self, offer_id: int) -> Offer | None:
        return await self.session.get(Offer, offer_id)

    async def add(self, offer: Offer) -> None:
        await self._add(offer)

    async def open_in(self, community_id: int) -> Sequence[Offer]:
        """Open offers in a community, oldest first."""
        c = tables.offers.c
        result = await self.session.scalars(
            select(Offer)
            .where(c.community_id == community_id, c.status == OfferStatus.OPEN)
            .order_by(c.created_at, c.id)
        )
        return result.all()

    async def by_member(self, member_id: int) -> Sequence[Offer]:
        c = tables.offers.c
        result = await self.session.scalars(
            select(Offer).where(c.member_id == member_id).order_by(c.created_at, c.id)
        )
        return result.all()

    async def open_texts_of(self, member_id: int) -> Sequence[str]:
        c = tables.offers.c
        query = select(c.text).where(c.member_id == member_id, c.status == OfferStatus.OPEN)
        return (await self.session.scalars(query)).all()

    async def has_offered(self, member_id: int) -> bool:
        c = tables.offers.c
        return (
            await self.session.scalar(select(c.id).where(c.member_id == member_id).limit(1))
            is not None
        )

    async def containing(self, community_id: int, words: str) -> Sequence[Offer]:
        c = tables.offers.c
        result = await self.session.scalars(
            select(Offer)
            .where(c.community_id == community_id, c.text.contains(words, autoescape=True))
            .order_by(c.id)
        )
        return result.all()

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Offer]:
        return await scheduled.stale(
            self.session, Offer, community_id, unconfirmed_since, asked_before
        )


class SqlAlchemyAskRepository(_SqlAlchemyRepository):
    async def get(self, ask_id: int) -> Ask | None:
        return await self.session.get(Ask, ask_id)

    async def get_many(self, ask_ids: Collection[int]) -> Sequence[Ask]:
        return await self._get_many(Ask, tables.asks, ask_ids)

    async def add(self, ask: Ask) -> None:
        await self._add(ask)

    async def open_in(self, community_id: int) -> Sequence[Ask]:
        """Open asks in a community, private ones included, oldest first."""
        return await self._open(community_id)

    async def looking_for_helper(self, community_id: int) -> Sequence[Ask]:
        return await self._open(community_id, tables.asks.c.looking_for_helper.is_(True))

    async def _open(self, community_id: int, *where: Any) -> Sequence[Ask]:
        c = tables.asks.c
        result = await self.session.scalars(
            select(Ask)
            .where(c.community_id == community_id, c.status == AskStatus.OPEN, *where)
            .order_by(c.created_at, c.id)
        )
        return result.all()

    async def by_member(self, member_id: int) -> Sequence[Ask]:
        c = tables.asks.c
        result = await self.session.scalars(
            select(Ask).where(c.member_id == member_id).order_by(c.created_at, c.id)
        )
        return result.all()

    async def open_texts_of(self, member_id: int) -> Sequence[tuple[str, bool]]:
        c = tables.asks.c
        query = select(c.text, c.private).where(
            c.member_id == member_id, c.status == AskStatus.OPEN
        )
        return [(row.text, bool(row.private)) for row in await self.session.execute(query)]

    async def containing(self, community_id: int, words: str) -> Sequence[Ask]:
        c = tables.asks.c
        result = await self.session.scalars(
            select(Ask)
            .where(c.community_id == community_id, c.text.contains(words, autoescape=True))
            .order_by(c.id)
        )
        return result.all()

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Ask]:
        return await scheduled.stale(
            self.session, Ask, community_id, unconfirmed_since, asked_before
        )


class SqlAlchemyIntroductionRepository(_SqlAlchemyRepository):
    async def get(self, intro_id: int) -> Introduction | None:
        return await self.session.get(Introduction, intro_id)

    async def add(self, intro: Introduction) -> None:
        await self._add(intro)

    async def for_ask(self, ask_id: int) -> Sequence[Introduction]:
        c = tables.introductions.c
        return await self._all(c.ask_id == ask_id)

    async def involving(self, member_id: int) -> Sequence[Introduction]:
        return await self.involving_any([member_id])

    async def involving_any(self, member_ids: Collection[int]) -> Sequence[Introduction]:
        c = tables.introductions.c
        if not member_ids:
            return []
        chosen = list(member_ids)
        return await self._all(or_(c.asker_id.in_(chosen), c.helper_id.in_(chosen)))

    async def in_community(self, community_id: int) -> Sequence[Introduction]:
        c = tables.introductions.c
        return await self._all(c.community_id == community_id)

    async def loads(
        self, community_id: int, helper_ids: Collection[int], since: datetime
    ) -> dict[int, int]:
        c = tables.introductions.c
        if not helper_ids:
            return {}
        # By helper and date alone (a member belongs to one community): the index on
        # both reads a few rows, where one on the community would read its history.
        # The status is counted here rather than asked for: given it, SQLite prefers
        # an index on the status, and reads every pending or accepted introduction.
        rows = await self.session.execute(
            select(c.helper_id, c.status, func.count())
            .where(c.helper_id.in_(list(helper_ids)), c.requested_at >= since)
            .group_by(c.helper_id, c.status)
        )
        loads: dict[int, int] = {}
        for helper, status, count in rows:
            if status in (IntroStatus.PENDING, IntroStatus.ACCEPTED):
                loads[helper] = loads.get(helper, 0) + count
        return loads

    async def containing(self, community_id: int, words: str) -> Sequence[Introduction]:
        c = tables.introductions.c
        return await self._all(
            c.community_id == community_id, c.reason.contains(words, autoescape=True)
        )

    async def margin_outcomes(self, community_id: int, limit: int) -> list[tuple[float, bool]]:
        """The community's latest introductions for asks ranked by meaning that came to
        something: the ask's margin, and whether it worked (it helped: yes; it did not
        work, or the helper declined: no)."""
        i, a = tables.introductions.c, tables.asks.c
        rows = await self.session.execute(
            select(a.match_margin, i.outcome)
            .join_from(tables.introductions, tables.asks, i.ask_id == a.id)
            .where(
                i.community_id == community_id,
                a.match_margin.is_not(None),
                or_(
                    i.outcome.in_([Outcome.HELPED, Outcome.DIDNT_WORK]),
                    i.status == IntroStatus.DECLINED,
                ),
            )
            .order_by(i.id.desc())
            .limit(limit)
        )
        return [(float(margin), outcome == Outcome.HELPED) for margin, outcome in rows]

    async def pending_expired(self, now: datetime) -> Sequence[Introduction]:
        """Requests nobody answered before they expired."""
        c = tables.introductions.c
        return await self._all(c.status == IntroStatus.PENDING, c.expires_at <= now)

    async def follow_ups_due(self, now: datetime) -> Sequence[Introduction]:
        """As :meth:`Introduction.follow_up_is_due` says, in SQL."""
        c = tables.introductions.c
        return await self._all(
            c.status == IntroStatus.ACCEPTED,
            c.follow_up_due_at <= now,
            c.follow_up_sent_at.is_(None),
            or_(c.outcome.is_(None), c.outcome == Outcome.NOT_YET),
        )

    async def reminders_due(self, now: datetime) -> Sequence[Introduction]:
        return await scheduled.reminders_due(self.session, now)

    async def _all(self, *where: Any) -> Sequence[Introduction]:
        c = tables.introductions.c
        result = await self.session.scalars(
            select(Introduction).where(*where).order_by(c.requested_at, c.id)
        )
        return result.all()


class SqlAlchemyThanksRepository(_SqlAlchemyRepository):
    async def add(self, thanks: Thanks) -> None:
        await self._add(thanks)

    async def involving(self, member_id: int) -> Sequence[Thanks]:
        c = tables.thanks.c
        return await self._all(or_(c.giver_id == member_id, c.receiver_id == member_id))

    async def in_community(self, community_id: int) -> Sequence[Thanks]:
        c = tables.thanks.c
        return await self._all(c.community_id == community_id)

    async def containing(self, community_id: int, words: str) -> Sequence[Thanks]:
        c = tables.thanks.c
        return await self._all(
            c.community_id == community_id, c.note.contains(words, autoescape=True)
        )

    async def _all(self, *where: Any) -> Sequence[Thanks]:
        c = tables.thanks.c
        result = await self.session.scalars(
            select(Thanks).where(*where).order_by(c.created_at, c.id)
        )
        return result.all()


class SqlAlchemyPostRepository(_SqlAlchemyRepository):
    async def add(self, post: Post, names: Collection[str] = ()) -> None:
        await self._add(post)
        if names:
            rows = [{"post_id": post.id, "user_id": name} for name in sorted(names)]
            await self.session.execute(tables.post_names.insert(), rows)

    async def unname(self, community_id: int, user_id: str) -> Sequence[Subject]:
        """The subjects of the posts recorded as naming this member (weekly digests),
        who is no longer recorded as named in them."""
        c, n = tables.posts.c, tables.post_names.c
        ours = select(c.id).where(c.community_id == community_id)
        rows = await self.session.execute(
            select(c.kind, c.subject_id)
            .join(tables.post_names, n.post_id == c.id)
            .where(c.community_id == community_id, n.user_id == user_id)
            .distinct()
        )
        subjects = [Subject(kind, subject_id) for kind, subject_id in rows]
        await self.session.execute(
            delete(tables.post_names).where(n.user_id == user_id, n.post_id.in_(ours))
        )
        return subjects

    async def for_subject(self, community_id: int, subject: Subject) -> Sequence[Post]:
        c = tables.posts.c
        result = await self.session.scalars(
            select(Post)
            .where(
                c.community_id == community_id,
                c.kind == subject.kind,
                c.subject_id == subject.id,
            )
            .order_by(c.created_at, c.id)
        )
        return result.all()

    async def find(self, community_id: int, channel_id: str, message_id: str) -> Post | None:
        c = tables.posts.c
        result = await self.session.scalars(
            select(Post).where(
                c.community_id == community_id,
                c.channel_id == channel_id,
                c.message_id == message_id,
            )
        )
        return result.one_or_none()

    async def latest(self, community_id: int) -> Post | None:
        c = tables.posts.c
        result = await self.session.scalars(
            select(Post).where(c.community_id == community_id).order_by(c.id.desc()).limit(1)
        )
        return result.first()

    async def delete(self, post: Post) -> None:
        await self.session.delete(post)
        await self.session.flush()


class SqlAlchemyProcessedEventRepository(_SqlAlchemyRepository):
    async def first_time(self, key: str, now: datetime) -> bool:
        """Record a platform event id; False if it was recorded before (a retry).

        ``ON CONFLICT DO NOTHING`` makes the check and the insert one atomic
        statement, so two workers handling the same retry cannot both win: on
        PostgreSQL the second waits for the first transaction and then skips.
        """
        dialect = self.session.get_bind().dialect.name
        values = {"key": key, "received_at": now}
        if dialect not in ("postgresql", "sqlite"):
            return await self._first_time_in_savepoint(values)
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert_(tables.processed_events)
            .values(values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(tables.processed_events.c.id)
        )
        inserted = await self.session.scalar(statement)
        return inserted is not None

    async def forget_before(self, cutoff: datetime) -> int:
        events = tables.processed_events
        forgotten = await self.session.execute(
            delete(events).where(events.c.received_at < cutoff).returning(events.c.id)
        )
        return len(forgotten.all())

    async def _first_time_in_savepoint(self, values: dict[str, Any]) -> bool:
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(tables.processed_events).values(values))
        except IntegrityError:
            return False
        return True
