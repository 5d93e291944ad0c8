"""In-memory fakes of the core's ports: a reference for storage, and fast core tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
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
    Offer,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    Post,
    Subject,
    Thanks,
)
from bot.domain.digest import DigestFacts
from bot.messages import Message
from bot.ports import DeliveryFailed, DeliveryProblem, HelperRecord, PostRef, SendOnce


@dataclass
class FakeStore:
    rows: dict[str, dict[int, Any]] = field(default_factory=dict)
    events: dict[str, datetime] = field(default_factory=dict)
    claims: set[str] = field(default_factory=set)
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

    async def get_many(self, member_ids: Collection[int]) -> Sequence[Member]:
        rows = self._store.table(self.name)
        return [rows[i] for i in dict.fromkeys(member_ids) if i in rows]

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

    async def set_direct_messages_closed(
        self, community_id: int, user_ids: Collection[str], *, closed: bool
    ) -> None:
        for member in self._rows:
            if member.community_id == community_id and member.platform_user_id in user_ids:
                member.dm_closed = closed

    async def helpers(self, community_id: int) -> Sequence[HelperRecord]:
        offers = sorted(self._store.table("offers").values(), key=lambda o: (o.created_at, o.id))
        return [
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
            )
            for m in sorted(self._rows, key=lambda m: m.id)
            if m.community_id == community_id
        ]


class FakeOffers(_Repo):
    name = "offers"

    async def open_in(self, community_id: int) -> Sequence[Offer]:
        return [
            o for o in self._rows if o.community_id == community_id and o.status is OfferStatus.OPEN
        ]

    async def by_member(self, member_id: int) -> Sequence[Offer]:
        return [o for o in self._rows if o.member_id == member_id]

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Any]:
        return [
            r
            for r in self._rows
            if r.community_id == community_id
            and r.is_open
            and (
                (
                    r.relevance_asked_at is None
                    and (r.confirmed_at or r.created_at) <= unconfirmed_since
                )
                or (r.relevance_asked_at is not None and r.relevance_asked_at <= asked_before)
            )
        ]


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

    async def stale(
        self, community_id: int, unconfirmed_since: datetime, asked_before: datetime
    ) -> Sequence[Any]:
        return [
            r
            for r in self._rows
            if r.community_id == community_id
            and r.is_open
            and (
                (
                    r.relevance_asked_at is None
                    and (r.confirmed_at or r.created_at) <= unconfirmed_since
                )
                or (r.relevance_asked_at is not None and r.relevance_asked_at <= asked_before)
            )
        ]


class FakeIntroductions(_Repo):
    name = "introductions"
    words_in = "reason"

    async def for_ask(self, ask_id: int) -> Sequence[Introduction]:
        return [i for i in self._rows if i.ask_id == ask_id]

    async def involving(self, member_id: int) -> Sequence[Introduction]:
        return [i for i in self._rows if i.involves(member_id)]

    async def in_community(self, community_id: int) -> Sequence[Introduction]:
        return [i for i in self._rows if i.community_id == community_id]

    async def pending_expired(self, now: datetime) -> Sequence[Introduction]:
        return [i for i in self._rows if i.status is IntroStatus.PENDING and i.expires_at <= now]

    async def follow_ups_due(self, now: datetime) -> Sequence[Introduction]:
        return [
            i
            for i in self._rows
            if i.status is IntroStatus.ACCEPTED
            and i.follow_up_due_at is not None
            and i.follow_up_due_at <= now
            and i.follow_up_sent_at is None
        ]

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

    async def delete(self, post: Post) -> None:
        self._store.table(self.name).pop(post.id or 0, None)


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
            offers=[o for o in rows("offers") if o.status is OfferStatus.OPEN],
            open_asks=[a for a in rows("asks") if a.status is AskStatus.OPEN],
            introductions=rows("introductions"),
            thanks=rows("thanks"),
        )


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

    async def release(self, keys: Collection[str]) -> None:
        self._store.claims -= set(keys)


class FakeOutbox(_Repo):
    name = "outbox"

    async def add(self, entity: Any) -> None:
        if any(e.key == entity.key for e in self._rows):
            raise ValueError(f"duplicate outbox key {entity.key}")
        await super().add(entity)

    async def drop_unsent_naming(self, community_id: int, platform_user_id: str) -> Sequence[str]:
        quoted, mentioned = json.dumps(platform_user_id), f"<@{platform_user_id}>"
        naming = [
            e
            for e in self._rows
            if e.community_id == community_id
            and e.status is OutboxStatus.PENDING
            and (quoted in e.payload or mentioned in e.payload)
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


class FakeUnitOfWork:
    """Commits by keeping changes; rolls back by restoring a snapshot taken on entry."""

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
        self.claims: ports.ClaimRepository = FakeClaims(store)
        self.outbox: ports.OutboxRepository = FakeOutbox(store)
        self._snapshot: FakeStore | None = None

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy(self._store)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            await self.rollback()

    async def commit(self) -> None:
        self._snapshot = None

    async def rollback(self) -> None:
        if self._snapshot is not None:
            self._store.rows = self._snapshot.rows
            self._store.events = self._snapshot.events
            self._store.claims = self._snapshot.claims
            self._store.next_id = self._snapshot.next_id
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
