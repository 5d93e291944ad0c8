"""The helper directory's storage: revisions, reads by revision, and field vectors.

When a transaction changes what matching reads (a member's profile, an offer, an ask,
a vector), it takes its community's next ``directory_revision`` as it commits and
stamps the rows it changed with it. Taking the revision locks the community's row
until the commit, so revisions become visible in order; and it is the last lock a
transaction takes, on rows no other transaction waits for in the meantime, so it
cannot deadlock. A reader that first reads the community's revision and then every
row stamped after the revision it saw last, up to that one, misses nothing.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, delete, event, inspect, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from bot.domain import Ask, AskStatus, Member, Offer, OfferStatus
from bot.domain.directory import (
    DirectoryChanges,
    FieldKind,
    FieldVector,
    HelperRecord,
    MissingVector,
    WaitingAsk,
    field_key,
)
from bot.matching.fields import field_hash, skills_text
from bot.skills import Vocabulary
from storage import tables

_CHANGES = "givefirst.directory_changes"
ASK_PAGE = 1_000
"""Asks read at once for the helper directory."""
_WATCHED: dict[type, tuple[Any, frozenset[str]]] = {
    Member: (
        tables.members,
        frozenset(
            {
                "platform_user_id",
                "display_name",
                "skills",
                "bio",
                "timezone",
                "paused_until",
                "forgotten_at",
                "dm_closed",
            }
        ),
    ),
    Offer: (tables.offers, frozenset({"text", "status"})),
    Ask: (tables.asks, frozenset({"text", "status", "looking_for_helper", "private"})),
}
"""The entities matching reads, and the attributes that matter to it."""


class DirectorySession(Session):
    """A session that stamps what it changed with its community's next revision."""


def note_change(session: Session, table: Any, row_id: int, community_id: int) -> None:
    """Remember that this transaction changed a row matching reads."""
    changes: dict[int, dict[Any, set[int]]] = session.info.setdefault(_CHANGES, {})
    changes.setdefault(community_id, {}).setdefault(table, set()).add(row_id)


@event.listens_for(DirectorySession, "after_flush")
def _collect(session: Session, _context: UOWTransaction) -> None:
    for entity in (*session.new, *session.dirty):
        watched = _WATCHED.get(type(entity))
        if watched is None or entity.id is None:
            continue
        table, attributes = watched
        if entity in session.new or _changed(entity, attributes):
            note_change(session, table, entity.id, entity.community_id)


def _changed(entity: object, attributes: frozenset[str]) -> bool:
    state = inspect(entity)
    return any(state.attrs[name].history.has_changes() for name in attributes)


@event.listens_for(DirectorySession, "before_commit")
def _stamp(session: Session) -> None:
    session.flush()
    changes: dict[int, dict[Any, set[int]]] = session.info.pop(_CHANGES, {})
    communities = tables.communities
    for community_id in sorted(changes):
        revision = session.execute(
            update(communities)
            .where(communities.c.id == community_id)
            .values(directory_revision=communities.c.directory_revision + 1)
            .returning(communities.c.directory_revision)
        ).scalar_one()
        for table, ids in changes[community_id].items():
            session.execute(
                update(table).where(table.c.id.in_(sorted(ids))).values(directory_revision=revision)
            )


@event.listens_for(DirectorySession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGES, None)


class SqlAlchemyDirectorySource:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def revision(self, community_id: int) -> int:
        c = tables.communities.c
        found = await self.session.scalar(select(c.directory_revision).where(c.id == community_id))
        return int(found or 0)

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
        m, o, v = tables.members.c, tables.offers.c, tables.text_vectors.c

        def changed(c: Any) -> Any:
            return and_(c.directory_revision > since, c.directory_revision <= until)

        chosen: Any
        if since == 0:
            chosen = select(m.id).where(m.community_id == community_id, m.id > after_member)
            chosen = chosen.order_by(m.id)
            if limit is not None:
                chosen = chosen.limit(limit)
        else:
            chosen = union(
                select(m.id).where(m.community_id == community_id, changed(m)),
                select(o.member_id).where(o.community_id == community_id, changed(o)),
                select(v.member_id).where(
                    v.community_id == community_id,
                    changed(v),
                    v.key.not_like(f"{FieldKind.ASK.value}:%"),
                ),
            )
        ids = list(await self.session.scalars(chosen))
        helpers = await self._helpers(ids, model) if ids else []
        first_page = since > 0 or after_member == 0
        asks = await self._asks(community_id, since, until, model) if first_page else []
        return DirectoryChanges(until, tuple(helpers), tuple(asks))

    async def _helpers(self, ids: list[int], model: str | None) -> list[HelperRecord]:
        m, o = tables.members.c, tables.offers.c
        offers: dict[int, list[tuple[int, str]]] = {}
        for offer_id, member_id, text in await self.session.execute(
            select(o.id, o.member_id, o.text)
            .where(o.member_id.in_(ids), o.status == OfferStatus.OPEN)
            .order_by(o.created_at, o.id)
        ):
            offers.setdefault(member_id, []).append((offer_id, text))
        vectors = await self._vectors(ids, model) if model else {}
        rows = await self.session.execute(
            select(
                m.id,
                m.platform_user_id,
                m.display_name,
                m.skills,
                m.bio,
                m.timezone,
                m.paused_until,
                m.forgotten_at,
                m.dm_closed,
            )
            .where(m.id.in_(ids))
            .order_by(m.id)
        )
        return [
            HelperRecord(
                member_id=row.id,
                platform_user_id=row.platform_user_id,
                display_name=row.display_name,
                skills=_shared(row.skills),
                bio=row.bio,
                timezone=sys.intern(row.timezone) if row.timezone else row.timezone,
                paused_until=row.paused_until,
                forgotten=row.forgotten_at is not None,
                dm_closed=row.dm_closed,
                offers=tuple(offers.get(row.id, ())),
                vectors=tuple(vectors.get(row.id, ())),
            )
            for row in rows
        ]

    async def _vectors(self, member_ids: list[int], model: str) -> dict[int, list[FieldVector]]:
        v = tables.text_vectors.c
        found: dict[int, list[FieldVector]] = {}
        for row in await self.session.execute(
            select(v.member_id, v.key, v.text_hash, v.vector, v.scale).where(
                v.member_id.in_(member_ids),
                v.model == model,
                v.key.not_like(f"{FieldKind.ASK.value}:%"),
            )
        ):
            found.setdefault(row.member_id, []).append(_field_vector(row))
        return found

    async def _asks(
        self, community_id: int, since: int, until: int, model: str | None
    ) -> list[WaitingAsk]:
        """The asks the directory keeps, a page at a time: each query gives the event
        loop its turn, and no page is more than the database takes in one ``IN``."""
        a = tables.asks.c
        columns = (a.id, a.member_id, a.text, a.skills, a.status, a.looking_for_helper, a.private)
        where = [a.community_id == community_id, a.directory_revision <= until]
        if since == 0:
            where.append(a.status == AskStatus.OPEN)
        else:
            where.append(a.directory_revision > since)
        found: list[WaitingAsk] = []
        after = 0
        while True:
            rows = list(
                await self.session.execute(
                    select(*columns).where(*where, a.id > after).order_by(a.id).limit(ASK_PAGE)
                )
            )
            if not rows:
                return found
            vectors = await self._ask_vectors([row.id for row in rows], model)
            found += [
                WaitingAsk(
                    ask_id=row.id,
                    member_id=row.member_id,
                    text=row.text,
                    skills=_shared(row.skills),
                    waiting=row.status == AskStatus.OPEN and bool(row.looking_for_helper),
                    vector=vectors.get(field_key(FieldKind.ASK, row.id)),
                    private=bool(row.private),
                    is_open=row.status == AskStatus.OPEN,
                )
                for row in rows
            ]
            if len(rows) < ASK_PAGE:
                return found
            after = rows[-1].id

    async def _ask_vectors(self, ask_ids: list[int], model: str | None) -> dict[str, FieldVector]:
        v = tables.text_vectors.c
        if not model:
            return {}
        keys = [field_key(FieldKind.ASK, ask_id) for ask_id in ask_ids]
        return {
            row.key: _field_vector(row)
            for row in await self.session.execute(
                select(v.key, v.text_hash, v.vector, v.scale).where(
                    v.key.in_(keys), v.model == model
                )
            )
        }


@functools.cache
def _vector_upsert(dialect: str) -> Any:
    """A field's vector written, or rewritten where its key is stored; its row's id.
    Made once per dialect: building it (``excluded`` above all) cost more than running
    it."""
    table = tables.text_vectors
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return upsert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={k: upsert.excluded[k] for k in ("model", "text_hash", "vector", "scale")},
    ).returning(table.c.id)


class SqlAlchemyVectorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, community_id: int, member_id: int, model: str, vector: FieldVector) -> None:
        table = tables.text_vectors
        values = {
            "community_id": community_id,
            "member_id": member_id,
            "key": vector.key,
            "model": model,
            "text_hash": vector.text_hash,
            "vector": vector.components,
            "scale": vector.scale,
        }
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        row_id = await self.session.scalar(_vector_upsert(dialect), values)
        if row_id is not None:
            note_change(self.session.sync_session, table, int(row_id), community_id)
        if vector.kind is FieldKind.ASK:  # an ask's vector is read with the ask
            note_change(self.session.sync_session, tables.asks, vector.owner_id, community_id)

    async def delete(self, keys: Collection[str]) -> None:
        if keys:
            await self.session.execute(
                delete(tables.text_vectors).where(tables.text_vectors.c.key.in_(list(keys)))
            )

    async def forget_member(self, member_id: int) -> None:
        await self.session.execute(
            delete(tables.text_vectors).where(tables.text_vectors.c.member_id == member_id)
        )

    async def get(self, key: str, model: str) -> FieldVector | None:
        v = tables.text_vectors.c
        row = (
            await self.session.execute(
                select(v.key, v.text_hash, v.vector, v.scale).where(v.key == key, v.model == model)
            )
        ).first()
        return None if row is None else _field_vector(row)

    async def missing(
        self, model: str, *, after_member: int, limit: int, community_id: int | None = None
    ) -> Sequence[MissingVector]:
        m, o, a, v = tables.members.c, tables.offers.c, tables.asks.c, tables.text_vectors.c
        where = [m.id > after_member, m.forgotten_at.is_(None)]
        if community_id is not None:
            where.append(m.community_id == community_id)
        members = list(
            await self.session.execute(
                select(m.id, m.community_id, m.skills, m.bio)
                .where(*where)
                .order_by(m.id)
                .limit(limit)
            )
        )
        if not members:
            return []
        ids = [row.id for row in members]
        c = tables.communities.c
        aliases = {
            row.id: Vocabulary.for_aliases(row.aliases or {})
            for row in await self.session.execute(
                select(c.id, c.aliases).where(c.id.in_({row.community_id for row in members}))
            )
        }
        wanted: list[MissingVector] = []
        for row in members:
            if row.skills:
                key = field_key(FieldKind.SKILLS, row.id)
                wanted.append(MissingVector(row.community_id, row.id, key, skills_text(row.skills)))
            if row.bio:
                key = field_key(FieldKind.BIO, row.id)
                wanted.append(MissingVector(row.community_id, row.id, key, row.bio))
        offers = select(o.id, o.community_id, o.member_id, o.text).where(
            o.member_id.in_(ids), o.status == OfferStatus.OPEN
        )
        for row in await self.session.execute(offers):
            key = field_key(FieldKind.OFFER, row.id)
            wanted.append(MissingVector(row.community_id, row.member_id, key, row.text))
        asks = select(a.id, a.community_id, a.member_id, a.text).where(
            a.member_id.in_(ids), a.status == AskStatus.OPEN
        )
        for row in await self.session.execute(asks):
            key = field_key(FieldKind.ASK, row.id)
            wanted.append(MissingVector(row.community_id, row.member_id, key, row.text))
        stored = {
            row.key: row.text_hash
            for row in await self.session.execute(
                select(v.key, v.text_hash).where(v.member_id.in_(ids), v.model == model)
            )
        }
        # As the model reads them: with what the community's aliases stand for, so that
        # a new alias makes the words that use it out of date.
        read = [
            replace(field, text=aliases[field.community_id].read_for_meaning(field.text))
            for field in wanted
            if field.text
        ]
        return [field for field in read if stored.get(field.key) != field_hash(field.text)]


def _shared(skills: Sequence[str] | None) -> tuple[str, ...]:
    """Skills as one string per skill in the process, not one per member who has it:
    a directory of 100,000 members keeps hundreds of thousands of them."""
    return tuple(map(sys.intern, skills or ()))


def _field_vector(row: Any) -> FieldVector:
    """A stored vector row (key, text_hash, vector, scale) as the core reads it."""
    return FieldVector(row.key, row.text_hash, bytes(row.vector), row.scale)
