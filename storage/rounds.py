"""Storage for give-first rounds: who joined, never lists, rounds and their groups."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select

from bot.domain import Member, NeverPair, Round, RoundGroup, RoundParticipant
from storage import tables
from storage.repositories import _SqlAlchemyRepository


class SqlAlchemyRoundRepository(_SqlAlchemyRepository):
    async def participants(self, community_id: int) -> Sequence[RoundParticipant]:
        c = tables.round_participants.c
        result = await self.session.scalars(
            select(RoundParticipant).where(c.community_id == community_id).order_by(c.member_id)
        )
        return result.all()

    async def participant(self, member_id: int) -> RoundParticipant | None:
        c = tables.round_participants.c
        result = await self.session.scalars(
            select(RoundParticipant).where(c.member_id == member_id)
        )
        return result.one_or_none()

    async def join(self, participant: RoundParticipant) -> None:
        await self._add(participant)

    async def leave(self, participant: RoundParticipant) -> None:
        await self.session.delete(participant)
        await self.session.flush()

    async def never_list(self, member_id: int) -> Sequence[NeverPair]:
        c = tables.round_never_pairs.c
        result = await self.session.scalars(
            select(NeverPair).where(c.member_id == member_id).order_by(c.created_at, c.id)
        )
        return result.all()

    async def never_pairs(self, community_id: int) -> Sequence[NeverPair]:
        c = tables.round_never_pairs.c
        result = await self.session.scalars(
            select(NeverPair).where(c.community_id == community_id).order_by(c.id)
        )
        return result.all()

    async def add_never(self, never: NeverPair) -> None:
        await self._add(never)

    async def remove_never(self, never: NeverPair) -> None:
        await self.session.delete(never)
        await self.session.flush()

    async def add(self, round_: Round) -> None:
        await self._add(round_)

    async def add_group(self, group: RoundGroup) -> None:
        await self._add(group)

    async def latest(self, community_id: int, limit: int) -> Sequence[Round]:
        c = tables.rounds.c
        result = await self.session.scalars(
            select(Round)
            .where(c.community_id == community_id)
            .order_by(c.slot.desc(), c.id.desc())
            .limit(limit)
        )
        return result.all()

    async def groups_of(self, round_ids: Collection[int]) -> Sequence[RoundGroup]:
        if not round_ids:
            return []
        c = tables.round_groups.c
        result = await self.session.scalars(
            select(RoundGroup).where(c.round_id.in_(sorted(round_ids))).order_by(c.id)
        )
        return result.all()

    async def group(self, group_id: int) -> RoundGroup | None:
        # Locked to the end of the transaction (on PostgreSQL; SQLite's writers take
        # turns already): two members answering at once each keep their answer.
        return await self.session.get(RoundGroup, group_id, with_for_update=True)

    async def groups_involving(self, member: Member) -> Sequence[tuple[Round, RoundGroup]]:
        # Member ids are a JSON list, read in no portable way by SQL: the community's
        # groups are read and kept if they hold the member (an export's rare reading).
        r, g = tables.rounds.c, tables.round_groups.c
        result = await self.session.execute(
            select(Round, RoundGroup)
            .join_from(Round, RoundGroup, g.round_id == r.id)
            .where(g.community_id == member.community_id)
            .order_by(r.slot, g.id)
        )
        return [(round_, group) for round_, group in result if group.involves(member.id)]

    async def follow_ups_due(self, now: datetime) -> Sequence[Round]:
        c = tables.rounds.c
        result = await self.session.scalars(
            select(Round)
            .where(c.follow_up_sent_at.is_(None), c.follow_up_due_at <= now)
            .order_by(c.id)
        )
        return result.all()

    async def forget_member(self, member_id: int) -> None:
        p, n = tables.round_participants, tables.round_never_pairs
        await self.session.execute(delete(p).where(p.c.member_id == member_id))
        await self.session.execute(
            delete(n).where(or_(n.c.member_id == member_id, n.c.other_id == member_id))
        )
