"""Narrow reads for community health figures, and givefirst's own signing keys.

The figures need a community's whole history, so it is read as plain rows of dates,
statuses and ids (five queries, no entities), never names or texts: what the figures
cannot see, no page or file made from them can show.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.health import (
    AskFact,
    HealthFacts,
    IntroductionFact,
    MemberFact,
    OfferFact,
    RoundGroupFact,
    ThanksFact,
)
from bot.domain.rounds import RoundOutcome, was_a_group
from storage import tables
from storage.scheduled import insert_for


class SqlAlchemyHealthSource:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def facts(self, community_id: int) -> HealthFacts:
        a, i, o, t, m = (
            tables.asks.c,
            tables.introductions.c,
            tables.offers.c,
            tables.thanks.c,
            tables.members.c,
        )
        asks = await self._session.execute(
            select(
                a.id,
                a.member_id,
                a.private,
                a.created_at,
                a.skills,
                a.suggested_count,
                a.first_suggested_at,
            )
            .where(a.community_id == community_id)
            .order_by(a.id)
        )
        introductions = await self._session.execute(
            select(
                i.asker_id,
                i.helper_id,
                i.ask_id,
                i.status,
                i.requested_at,
                i.decided_at,
                i.outcome,
                i.outcome_at,
                i.expired_at,
            )
            .where(i.community_id == community_id)
            .order_by(i.id)
        )
        offers = await self._session.execute(
            select(o.member_id, o.created_at)
            .where(o.community_id == community_id, o.imported.is_(False))
            .order_by(o.id)
        )
        thanks = await self._session.execute(
            select(t.giver_id, t.created_at).where(t.community_id == community_id).order_by(t.id)
        )
        members = await self._session.execute(
            select(m.id, m.first_used_at, m.forgotten_at.is_not(None))
            .where(m.community_id == community_id)
            .order_by(m.id)
        )
        r, g = tables.rounds.c, tables.round_groups.c
        groups = await self._session.execute(
            select(r.slot, g.outcome, g.member_ids)
            .join(tables.rounds, g.round_id == r.id)
            .where(g.community_id == community_id)
            .order_by(g.id)
        )
        round_members = await self._session.scalar(
            select(func.count()).where(tables.round_participants.c.community_id == community_id)
        )
        member_rows = members.all()
        here = {row.id for row in member_rows if not row[2]}
        return HealthFacts(
            asks=[
                AskFact(
                    id=row.id,
                    member_id=row.member_id,
                    private=row.private,
                    created_at=row.created_at,
                    skills=tuple(row.skills or ()),
                    suggested_count=row.suggested_count,
                    first_suggested_at=row.first_suggested_at,
                )
                for row in asks
            ],
            introductions=[IntroductionFact(*row) for row in introductions],
            offers=[OfferFact(*row) for row in offers],
            thanks=[ThanksFact(*row) for row in thanks],
            members=[MemberFact(*row) for row in member_rows],
            round_groups=[
                RoundGroupFact(row.slot, row.outcome is RoundOutcome.MET)
                for row in groups
                if was_a_group(row.outcome, row.member_ids, here)
            ],
            round_members=int(round_members or 0),
        )


class SqlAlchemySigningKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_or_add(self, name: str, candidate: str, now: datetime) -> str:
        keys = tables.signing_keys
        stored = await self._session.scalar(select(keys.c.secret).where(keys.c.name == name))
        if stored is not None:
            return str(stored)
        await self._session.execute(
            insert_for(self._session)(keys)
            .values(name=name, secret=candidate, created_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        stored = await self._session.scalar(select(keys.c.secret).where(keys.c.name == name))
        assert stored is not None
        return str(stored)
