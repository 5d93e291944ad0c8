"""In-memory fakes of the core's ports: a reference for storage, and fast core tests."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from bot import ports
from bot.domain import (
    Ask,
    AskStatus,
    Community,
    Introduction,
    IntroStatus,
    Member,
    NeverPair,
    Offer,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    Post,
    Round,
    RoundGroup,
    RoundOutcome,
    RoundParticipant,
    Subject,
    Thanks,
    handle_fingerprint,
)
from bot.domain.digest import DigestFacts
from bot.domain.directory import (
    DirectoryChanges,
    FieldVector,
    HelperRecord,
    MissingVector,
    WaitingAsk,
)
from bot.domain.health import (
    AskFact,
    HealthFacts,
    IntroductionFact,
    MemberFact,
    OfferFact,
    RoundGroupFact,
    ThanksFact,
)
from bot.domain.rounds import was_a_group
from bot.matching.fields import field_hash, skills_text
from bot.messages import Message
from bot.ports import DeliveryFailed, DeliveryProblem, PostRef, SendOnce
from bot.skills import Vocabulary


@dataclass
class FakeStore:
    rows: dict[str, dict[int, Any]] = field(default_factory=dict)
    events: dict[str, datetime] = field(default_factory=dict)
    claims: set[str] = field(default_factory=set)
    vectors: dict[str, tuple[int, str, FieldVector]] = field(default_factory=dict)
    revision: int = 0
    open: int = 0
    keys: dict[str, str] = field(default_factory=dict)
    outbox_names: dict[str, frozenset[str]] = field(default_factory=dict)
    post_names: dict[int, frozenset[str]] = field(default_factory=dict)
    kept_out: set[tuple[int, str]] = field(default_factory=set)
    next_id: int = 1

    def table(self, name: str) -> dict[int, Any]:
        return self.rows.setdefault(name, {})

    def add(self, name: str, entity: Any) -> None:
        entity.id = self.next_id
        self.next_id += 1
        self.table(name)[entity.id] = entity


class _Repo:
    name = ""
    words_in = "text"
    """The field :meth:`containing` looks in."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _rows(self) -> list[Any]:
        return list(self._store.table(self.name).values())

    async def get(self, entity_id: int) -> Any:
        return self._store.table(self.name).get(entity_id)

    async def get_many(self, entity_ids: Collection[int]) -> Sequence[Any]:
        rows = self._store.table(self.name)
        return [rows[i] for i in dict.fromkeys(entity_ids) if i in rows]

    async def add(self, entity: Any) -> None:
        self._store.add(self.name, entity)

    async def containing(self, community_id: int, words: str) -> Sequence[Any]:
        return [
            r
            for r in self._rows
            if r.community_id == community_id and words in getattr(r, self.words_in)
        ]


class FakeCommunities(_Repo):
    name = "communities"

    async def get_by_key(self, key: str) -> Community | None:
        return next((c for c in self._rows if c.key == key), None)

    async def list(self) -> Sequence[Community]:
        return self._rows


class FakeMembers(_Repo):
    name = "members"

    async def platform_id_like(self, community_id: int, typed: str) -> str | None:
        return next(
            (
                m.platform_user_id
                for m in self._rows
                if m.community_id == community_id
                and m.platform_user_id is not None
                and m.platform_user_id.lower() == typed.lower()
            ),
            None,
        )

    async def keep_out(self, community_id: int, user_id: str) -> None:
        self._store.kept_out.add((community_id, handle_fingerprint(user_id)))

    async def kept_out(self, community_id: int) -> frozenset[str]:
        return frozenset(f for c, f in self._store.kept_out if c == community_id)

    async def forget_kept_out(self, community_id: int) -> None:
        self._store.kept_out = {(c, f) for c, f in self._store.kept_out if c != community_id}

    async def get_by_platform_id(self, community_id: int, user_id: str) -> Member | None:
        return next(
            (
                m
                for m in self._rows
                if m.community_id == community_id and m.platform_user_id == user_id
            ),
            None,
        )

    async def list(self, community_id: int) -> Sequence[Member]:
        return [m for m in self._rows if m.community_id == community_id]

    async def breaks_over(self, now: datetime, community_id: int | None = None) -> Sequence[Member]:
        return [
            m
            for m in self._rows
            if m.paused_until is not None
            and m.paused_until <= now
            and m.forgotten_at is None
            and community_id in (None, m.community_id)
        ]

    async def ids_after(
        self, after: int, limit: int, *, community_id: int | None = None
    ) -> Sequence[int]:
        ids = sorted(
            m.id for m in self._rows if m.id > after and community_id in (None, m.community_id)
        )
        return ids[:limit]

    async def count(self, community_id: int | None = None, *, forgotten: bool = True) -> int:
        return sum(
            1
            for m in self._rows
            if community_id in (None, m.community_id) and (forgotten or m.forgotten_at is None)
        )

    async def set_direct_messages_closed(
        self, community_id: int, user_ids: Collection[str], *, closed: bool
    ) -> None:
        for member in self._rows:
            if member.community_id == community_id and member.platform_user_id in user_ids:
                member.dm_closed = closed


class FakeOffers(_Repo):
    name = "offers"

    async def open_in(self, community_id: int) -> Sequence[Offer]:
        return [
            o for o in self._rows if o.community_id == community_id and o.status is OfferStatus.OPEN
        ]

    async def by_member(self, member_id: int) -> Sequence[Offer]:
        return [o for o in self._rows if o.member_id == member_id]

    async def open_texts_of(self, member_id: int) -> Sequence[str]:
        return [o.text for o in self._rows if o.member_id == member_id and o.is_open]

    async def has_offered(self, member_id: int) -> bool:
        return any(o.member_id == member_id for o in self._rows)

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Any]:
        # Everything in the community: which of them are due is the core's rule.
        return [r for r in self._rows if r.community_id == community_id]


class FakeAsks(_Repo):
    name = "asks"

    async def open_in(self, community_id: int) -> Sequence[Ask]:
        return [
            a for a in self._rows if a.community_id == community_id and a.status is AskStatus.OPEN
        ]

    async def looking_for_helper(self, community_id: int) -> Sequence[Ask]:
        return [a for a in await self.open_in(community_id) if a.looking_for_helper]

    async def by_member(self, member_id: int) -> Sequence[Ask]:
        return [a for a in self._rows if a.member_id == member_id]

    async def open_texts_of(self, member_id: int) -> Sequence[tuple[str, bool]]:
        return [(a.text, a.private) for a in self._rows if a.member_id == member_id and a.is_open]

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Any]:
        # Everything in the community: which of them are due is the core's rule.
        return [r for r in self._rows if r.community_id == community_id]


class FakeIntroductions(_Repo):
    name = "introductions"
    words_in = "reason"

    async def for_ask(self, ask_id: int) -> Sequence[Introduction]:
        return [i for i in self._rows if i.ask_id == ask_id]

    async def involving(self, member_id: int) -> Sequence[Introduction]:
        return await self.involving_any([member_id])

    async def involving_any(self, member_ids: Collection[int]) -> Sequence[Introduction]:
        return [i for i in self._rows if i.asker_id in member_ids or i.helper_id in member_ids]

    async def in_community(self, community_id: int) -> Sequence[Introduction]:
        return [i for i in self._rows if i.community_id == community_id]

    async def loads(
        self, community_id: int, helper_ids: Collection[int], since: datetime
    ) -> dict[int, int]:
        loads: dict[int, int] = {}
        for i in self._rows:
            if (
                i.community_id == community_id
                and i.helper_id in helper_ids
                and i.requested_at >= since
                and i.status in (IntroStatus.PENDING, IntroStatus.ACCEPTED)
            ):
                loads[i.helper_id] = loads.get(i.helper_id, 0) + 1
        return loads

    async def margin_outcomes(self, community_id: int, limit: int) -> list[tuple[float, bool]]:
        asks = self._store.table("asks")
        found = []
        for i in sorted(self._rows, key=lambda i: -(i.id or 0)):
            ask = asks.get(i.ask_id) if i.ask_id is not None else None
            if i.community_id != community_id or ask is None or ask.match_margin is None:
                continue
            if i.outcome in (Outcome.HELPED, Outcome.DIDNT_WORK):
                found.append((ask.match_margin, i.outcome is Outcome.HELPED))
            elif i.status is IntroStatus.DECLINED:
                found.append((ask.match_margin, False))
        return found[:limit]

    async def pending_expired(self, now: datetime) -> Sequence[Introduction]:
        return [i for i in self._rows if i.status is IntroStatus.PENDING and i.expires_at <= now]

    async def follow_ups_due(self, now: datetime) -> Sequence[Introduction]:
        return [i for i in self._rows if i.follow_up_is_due(now)]

    async def reminders_due(self, now: datetime) -> Sequence[Introduction]:
        return [i for i in self._rows if i.needs_reminder(now)]


class FakeThanks(_Repo):
    name = "thanks"
    words_in = "note"

    async def involving(self, member_id: int) -> Sequence[Thanks]:
        return [t for t in self._rows if member_id in (t.giver_id, t.receiver_id)]

    async def in_community(self, community_id: int) -> Sequence[Thanks]:
        return [t for t in self._rows if t.community_id == community_id]


class FakePosts(_Repo):
    name = "posts"

    async def add(self, post: Post, names: Collection[str] = ()) -> None:
        await super().add(post)
        if names:
            self._store.post_names[post.id or 0] = frozenset(names)

    async def unname(self, community_id: int, user_id: str) -> Sequence[Subject]:
        named = self._store.post_names
        posts = [
            p
            for p in self._rows
            if p.community_id == community_id and user_id in named.get(p.id or 0, ())
        ]
        for post in posts:
            named[post.id or 0] = named[post.id or 0] - {user_id}
        return list(dict.fromkeys(p.subject for p in posts))

    async def for_subject(self, community_id: int, subject: Subject) -> Sequence[Post]:
        return [p for p in self._rows if p.community_id == community_id and p.subject == subject]

    async def find(self, community_id: int, channel_id: str, message_id: str) -> Post | None:
        return next(
            (
                p
                for p in self._rows
                if p.community_id == community_id
                and p.channel_id == channel_id
                and p.message_id == message_id
            ),
            None,
        )

    async def latest(self, community_id: int) -> Post | None:
        return max(
            (p for p in self._rows if p.community_id == community_id),
            key=lambda p: p.id or 0,
            default=None,
        )

    async def delete(self, post: Post) -> None:
        self._store.table(self.name).pop(post.id or 0, None)
        self._store.post_names.pop(post.id or 0, None)


class FakeEvents:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def first_time(self, key: str, now: datetime) -> bool:
        if key in self._store.events:
            return False
        self._store.events[key] = now
        return True

    async def forget_before(self, cutoff: datetime) -> int:
        old = [key for key, seen in self._store.events.items() if seen < cutoff]
        for key in old:
            del self._store.events[key]
        return len(old)


class FakeDigests:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def facts(self, community_id: int, since: datetime, until: datetime) -> DigestFacts:
        def rows(name: str) -> list[Any]:
            return [r for r in self._store.table(name).values() if r.community_id == community_id]

        return DigestFacts(
            since=since,
            until=until,
            members={m.id: m for m in rows("members")},
            offers=[o for o in rows("offers") if o.status is OfferStatus.OPEN and not o.imported],
            open_asks=[
                a
                for a in rows("asks")
                if a.status is AskStatus.OPEN
                and not any(
                    i.ask_id == a.id
                    and i.status is IntroStatus.ACCEPTED
                    and i.outcome is not Outcome.DIDNT_WORK
                    for i in rows("introductions")
                )
            ],
            introductions=rows("introductions"),
            thanks=rows("thanks"),
            private_askers=frozenset(
                a.member_id for a in rows("asks") if a.private and since <= a.created_at < until
            ),
        )


class FakeHealth:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def facts(self, community_id: int) -> HealthFacts:
        def rows(name: str) -> list[Any]:
            return [r for r in self._store.table(name).values() if r.community_id == community_id]

        slots = {r.id: r.slot for r in rows("rounds")}
        return HealthFacts(
            asks=[
                AskFact(
                    a.id,
                    a.member_id,
                    a.private,
                    a.created_at,
                    tuple(a.skills),
                    a.suggested_count,
                    a.first_suggested_at,
                )
                for a in rows("asks")
            ],
            introductions=[
                IntroductionFact(
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
                for i in rows("introductions")
            ],
            offers=[OfferFact(o.member_id, o.created_at) for o in rows("offers") if not o.imported],
            thanks=[ThanksFact(t.giver_id, t.created_at) for t in rows("thanks")],
            members=[
                MemberFact(m.id, m.first_used_at, m.forgotten_at is not None)
                for m in rows("members")
            ],
            round_groups=[
                RoundGroupFact(slots[g.round_id], g.outcome is RoundOutcome.MET)
                for g in sorted(rows("round_groups"), key=lambda g: g.id)
                if was_a_group(
                    g.outcome,
                    g.member_ids,
                    {m.id for m in rows("members") if m.forgotten_at is None},
                )
            ],
            round_members=len(rows("round_participants")),
        )


class FakeSigningKeys:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def get_or_add(self, name: str, candidate: str, now: datetime) -> str:
        return self._store.keys.setdefault(name, candidate)


class FakeClaims:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def claim(self, key: str, now: datetime) -> bool:
        if key in self._store.claims:
            return False
        self._store.claims.add(key)
        return True

    async def claimed(self, keys: Sequence[str]) -> set[str]:
        return set(keys) & self._store.claims

    async def latest(self, prefix: str) -> str | None:
        return max((k for k in self._store.claims if k.startswith(prefix)), default=None)

    async def release(self, keys: Collection[str]) -> None:
        self._store.claims -= set(keys)


class FakeOutbox(_Repo):
    name = "outbox"

    async def add(self, entity: Any, names: Collection[str] = ()) -> None:
        if any(e.key == entity.key for e in self._rows):
            raise ValueError(f"duplicate outbox key {entity.key}")
        await super().add(entity)
        self._store.outbox_names[entity.key] = frozenset(names)

    async def drop_unsent_naming(self, community_id: int, platform_user_id: str) -> Sequence[str]:
        naming = [
            e
            for e in self._rows
            if e.community_id == community_id
            and e.status is OutboxStatus.PENDING
            and platform_user_id in self._store.outbox_names.get(e.key, ())
        ]
        for entry in naming:
            del self._store.table(self.name)[entry.id]
        return [e.key for e in naming]

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
        keys = {c.id: c.key for c in self._store.table("communities").values()}
        due = [
            e
            for e in self._rows
            if e.status is OutboxStatus.PENDING
            and e.claimed_until <= now
            and keys.get(e.community_id, "").startswith(key_prefix)
            and community_key in (None, keys.get(e.community_id))
        ][:limit]
        for entry in due:
            entry.claimed_until = lease_until
            entry.attempts += 1
            entry.maybe_delivered = entry.maybe_delivered or entry.claimed_by is not None
            entry.claimed_by = owner or None
        return due

    def _held_by(self, owner: str, entry_ids: Collection[int]) -> list[OutboxMessage]:
        return [
            e
            for e in self._rows
            if e.id in entry_ids and e.claimed_by == owner and e.status is OutboxStatus.PENDING
        ]

    async def renew(
        self, owner: str, entry_ids: Collection[int], lease_until: datetime
    ) -> Collection[int]:
        renewed = [e for e in self._held_by(owner, entry_ids) if e.claimed_until < lease_until]
        for entry in renewed:
            entry.claimed_until = lease_until
        return {e.id or 0 for e in renewed}

    async def release(
        self, owner: str, entry_ids: Collection[int], now: datetime, *, in_doubt: bool
    ) -> None:
        for entry in self._held_by(owner, entry_ids):
            entry.claimed_until = now
            if not in_doubt:
                entry.claimed_by = None


class FakeDirectory:
    """Every commit is a new revision, and every read returns the whole community."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def revision(self, community_id: int) -> int:
        return self._store.revision

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
        members = sorted(
            (
                m
                for m in self._store.table("members").values()
                if m.community_id == community_id and m.id > after_member
            ),
            key=lambda m: m.id,
        )[:limit]
        offers = sorted(self._store.table("offers").values(), key=lambda o: (o.created_at, o.id))
        vectors = self._store.vectors
        helpers = tuple(
            HelperRecord(
                member_id=m.id,
                platform_user_id=m.platform_user_id,
                display_name=m.display_name,
                skills=tuple(m.skills),
                bio=m.bio,
                timezone=m.timezone,
                paused_until=m.paused_until,
                forgotten=m.forgotten_at is not None,
                dm_closed=m.dm_closed,
                offers=tuple(
                    (o.id, o.text)
                    for o in offers
                    if o.member_id == m.id and o.status is OfferStatus.OPEN
                ),
                vectors=tuple(
                    v
                    for (member, stored_model, v) in vectors.values()
                    if member == m.id and stored_model == model and not v.key.startswith("ask:")
                ),
            )
            for m in members
        )
        asks = tuple(
            WaitingAsk(
                ask_id=a.id,
                member_id=a.member_id,
                text=a.text,
                skills=tuple(a.skills),
                waiting=a.status is AskStatus.OPEN and a.looking_for_helper,
                private=a.private,
                is_open=a.status is AskStatus.OPEN,
                vector=next(
                    (
                        v
                        for (_, stored_model, v) in vectors.values()
                        if v.key == f"ask:{a.id}" and stored_model == model
                    ),
                    None,
                ),
            )
            for a in self._store.table("asks").values()
            if a.community_id == community_id
        )
        return DirectoryChanges(self._store.revision, helpers, asks if after_member == 0 else ())


class FakeVectors:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def put(self, community_id: int, member_id: int, model: str, vector: FieldVector) -> None:
        self._store.vectors[vector.key] = (member_id, model, vector)

    async def delete(self, keys: Collection[str]) -> None:
        for key in keys:
            self._store.vectors.pop(key, None)

    async def forget_member(self, member_id: int) -> None:
        for key in [k for k, (m, _, _) in self._store.vectors.items() if m == member_id]:
            del self._store.vectors[key]

    async def get(self, key: str, model: str) -> FieldVector | None:
        found = self._store.vectors.get(key)
        return found[2] if found is not None and found[1] == model else None

    async def missing(
        self, model: str, *, after_member: int, limit: int, community_id: int | None = None
    ) -> Sequence[MissingVector]:
        members = sorted(
            (
                m
                for m in self._store.table("members").values()
                if m.id > after_member
                and m.forgotten_at is None
                and community_id in (None, m.community_id)
            ),
            key=lambda m: m.id,
        )[:limit]
        wanted: list[MissingVector] = []
        for m in members:
            if m.skills:
                wanted.append(
                    MissingVector(m.community_id, m.id, f"skills:{m.id}", skills_text(m.skills))
                )
            if m.bio:
                wanted.append(MissingVector(m.community_id, m.id, f"bio:{m.id}", m.bio))
            for o in self._store.table("offers").values():
                if o.member_id == m.id and o.status is OfferStatus.OPEN:
                    wanted.append(MissingVector(m.community_id, m.id, f"offer:{o.id}", o.text))
            for a in self._store.table("asks").values():
                if a.member_id == m.id and a.status is AskStatus.OPEN:
                    wanted.append(MissingVector(m.community_id, m.id, f"ask:{a.id}", a.text))
        communities = self._store.table("communities")
        read = [
            replace(
                f,
                text=Vocabulary.for_aliases(communities[f.community_id].aliases).read_for_meaning(
                    f.text
                ),
            )
            for f in wanted
            if f.text
        ]
        stored = self._store.vectors
        return [
            f
            for f in read
            if not (
                f.key in stored
                and stored[f.key][1] == model
                and stored[f.key][2].text_hash == field_hash(f.text)
            )
        ]


class FakeRounds:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def _rows(self, name: str) -> list[Any]:
        return list(self._store.table(name).values())

    async def participants(self, community_id: int) -> Sequence[RoundParticipant]:
        found = [p for p in self._rows("round_participants") if p.community_id == community_id]
        return sorted(found, key=lambda p: p.member_id)

    async def participant(self, member_id: int) -> RoundParticipant | None:
        return next((p for p in self._rows("round_participants") if p.member_id == member_id), None)

    async def join(self, participant: RoundParticipant) -> None:
        if await self.participant(participant.member_id) is not None:
            raise ports.Conflict("already a participant")
        self._store.add("round_participants", participant)

    async def leave(self, participant: RoundParticipant) -> None:
        self._store.table("round_participants").pop(participant.id or 0, None)

    async def never_list(self, member_id: int) -> Sequence[NeverPair]:
        return [n for n in self._rows("round_never_pairs") if n.member_id == member_id]

    async def never_pairs(self, community_id: int) -> Sequence[NeverPair]:
        return [n for n in self._rows("round_never_pairs") if n.community_id == community_id]

    async def add_never(self, never: NeverPair) -> None:
        self._store.add("round_never_pairs", never)

    async def remove_never(self, never: NeverPair) -> None:
        self._store.table("round_never_pairs").pop(never.id or 0, None)

    async def add(self, round_: Round) -> None:
        if any(
            r.community_id == round_.community_id and r.slot == round_.slot
            for r in self._rows("rounds")
        ):
            raise ports.Conflict("round already planned")
        self._store.add("rounds", round_)

    async def add_group(self, group: RoundGroup) -> None:
        self._store.add("round_groups", group)

    async def latest(self, community_id: int, limit: int) -> Sequence[Round]:
        found = [r for r in self._rows("rounds") if r.community_id == community_id]
        return sorted(found, key=lambda r: (r.slot, r.id), reverse=True)[:limit]

    async def groups_of(self, round_ids: Collection[int]) -> Sequence[RoundGroup]:
        return [g for g in self._rows("round_groups") if g.round_id in round_ids]

    async def group(self, group_id: int) -> RoundGroup | None:
        group: RoundGroup | None = self._store.table("round_groups").get(group_id)
        return group

    async def groups_involving(self, member: Member) -> Sequence[tuple[Round, RoundGroup]]:
        rounds = self._store.table("rounds")
        found = [
            (rounds[g.round_id], g) for g in self._rows("round_groups") if g.involves(member.id)
        ]
        return sorted(found, key=lambda pair: (pair[0].slot, pair[1].id or 0))

    async def follow_ups_due(self, now: datetime) -> Sequence[Round]:
        return [
            r
            for r in self._rows("rounds")
            if r.follow_up_sent_at is None and r.follow_up_due_at <= now
        ]

    async def forget_member(self, member_id: int) -> None:
        for name, columns in (
            ("round_participants", ("member_id",)),
            ("round_never_pairs", ("member_id", "other_id")),
        ):
            table = self._store.table(name)
            for key, row in list(table.items()):
                if any(getattr(row, column) == member_id for column in columns):
                    del table[key]


class FakeUnitOfWork:
    """Commits by keeping changes; rolls back by restoring a snapshot taken on entry.

    One opened while another is open (the helper directory reads in one of its own)
    joins it: only the outermost snapshots and rolls back."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.communities: ports.CommunityRepository = FakeCommunities(store)
        self.members: ports.MemberRepository = FakeMembers(store)
        self.offers: ports.OfferRepository = FakeOffers(store)
        self.asks: ports.AskRepository = FakeAsks(store)
        self.introductions: ports.IntroductionRepository = FakeIntroductions(store)
        self.thanks: ports.ThanksRepository = FakeThanks(store)
        self.posts: ports.PostRepository = FakePosts(store)
        self.events: ports.ProcessedEventRepository = FakeEvents(store)
        self.digests: ports.DigestSource = FakeDigests(store)
        self.health: ports.HealthSource = FakeHealth(store)
        self.signing_keys: ports.SigningKeyRepository = FakeSigningKeys(store)
        self.claims: ports.ClaimRepository = FakeClaims(store)
        self.outbox: ports.OutboxRepository = FakeOutbox(store)
        self.directory: ports.DirectorySource = FakeDirectory(store)
        self.vectors: ports.VectorRepository = FakeVectors(store)
        self.rounds: ports.RoundRepository = FakeRounds(store)
        self._snapshot: FakeStore | None = None

    async def __aenter__(self) -> Self:
        self._store.open += 1
        self._snapshot = copy.deepcopy(self._store) if self._store.open == 1 else None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            await self.rollback()
        self._store.open -= 1

    async def commit(self) -> None:
        self._snapshot = None
        self._store.revision += 1
        for community in self._store.table("communities").values():
            community.directory_revision = self._store.revision

    async def rollback(self) -> None:
        if self._snapshot is not None:
            self._store.rows = self._snapshot.rows
            self._store.events = self._snapshot.events
            self._store.claims = self._snapshot.claims
            self._store.keys = self._snapshot.keys
            self._store.next_id = self._snapshot.next_id
            self._store.vectors = self._snapshot.vectors
            self._snapshot = None


@dataclass
class Sent:
    message: Message
    ref: PostRef | None


class FakeChat:
    """Records what the bot said; can be told to refuse DMs to some members."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.once: list[SendOnce | None] = []
        """What each sent message said about itself (scheduled ones only)."""
        self.updated: list[tuple[PostRef, Message]] = []
        self.deleted: list[PostRef] = []
        self.dm_closed: set[str] = set()
        self._counter = 0

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        from bot.messages import ChannelPost, DirectMessage

        if isinstance(message.to, DirectMessage) and self.dm_closed & set(message.to.user_ids):
            raise DeliveryFailed(DeliveryProblem.DM_CLOSED)
        ref = None
        if isinstance(message.to, ChannelPost):
            self._counter += 1
            ref = PostRef(
                message.to.channel_id or default_channel or "C-default", f"m{self._counter}"
            )
        self.sent.append(Sent(message, ref))
        self.once.append(once)
        return ref

    async def update(self, ref: PostRef, message: Message) -> None:
        self.updated.append((ref, message))

    async def delete(self, ref: PostRef) -> None:
        self.deleted.append(ref)
