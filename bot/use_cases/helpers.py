"""Finding helpers: who in a community could help with an ask, after the pairing rules.

The match index of each community is kept in memory by a :class:`HelperDirectory`
and brought up to date from storage before a search, so several processes sharing
a database each stay correct.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import Ask, Community, Introduction, Member
from bot.domain.identity import stored_id
from bot.domain.pairing import AskerHistory, busy_helpers, counts_toward_load
from bot.matching import (
    Candidate,
    HelperProfile,
    MatchContext,
    MatchIndex,
    OfferText,
    asks_member_could_answer,
)
from bot.ports import HelperRecord, UnitOfWork
from bot.skills import Vocabulary

SUGGESTIONS = 3
DIRECTORY_COMMUNITIES = 256
"""Communities whose match index a process keeps; the least recently used goes first."""


class HelperDirectory:
    """One match index per community, kept in memory and brought up to date from
    storage before every search.

    Only profiles that changed are re-indexed, so a search costs a few queries and
    a diff rather than re-tagging every offer; because the diff runs against what
    storage says now, several workers sharing a database each stay correct.
    """

    def __init__(self, communities: int = DIRECTORY_COMMUNITIES) -> None:
        self._size = communities
        self._indexes: OrderedDict[
            tuple[str, frozenset[tuple[str, str]]], tuple[MatchIndex, dict[int, HelperProfile]]
        ] = OrderedDict()

    def index_for(self, community: Community, profiles: Sequence[HelperProfile]) -> MatchIndex:
        key = (community.key, frozenset(community.aliases.items()))
        if key not in self._indexes:
            self._indexes[key] = (MatchIndex(Vocabulary.for_aliases(community.aliases)), {})
            while len(self._indexes) > self._size:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end(key)
        index, known = self._indexes[key]
        current = {p.member_id: p for p in profiles}
        for gone in known.keys() - current.keys():
            index.remove(gone)
            del known[gone]
        for member_id, profile in current.items():
            if known.get(member_id) != profile:
                index.upsert(profile)
                known[member_id] = profile
        return index


@dataclass(frozen=True)
class Helpers:
    """One read of everyone who could help in a community, for one search or many."""

    records: dict[int, HelperRecord]
    index: MatchIndex
    away: frozenset[int]
    """Members who cannot be asked to help anyone now (see :mod:`bot.domain.pairing`)."""
    recent_load: dict[int, int]
    """New introductions per helper in the week before the read."""
    introductions_of: dict[int, list[Introduction]]
    """Each member's introductions, as asker or helper."""


async def load_helpers(
    uow: UnitOfWork, directory: HelperDirectory, community: Community, now: datetime
) -> Helpers:
    records = {r.member_id: r for r in await uow.members.helpers(stored_id(community))}
    index = directory.index_for(
        community,
        [
            HelperProfile(
                member_id=r.member_id,
                name=r.name,
                skills=r.skills,
                bio=r.bio or "",
                offers=tuple(OfferText(offer_id, text) for offer_id, text in r.offers),
                timezone=r.timezone,
            )
            for r in records.values()
            if r.platform_user_id is not None
        ],
    )
    introductions_of: dict[int, list[Introduction]] = {}
    recent_load: dict[int, int] = {}
    for i in await uow.introductions.in_community(stored_id(community)):
        introductions_of.setdefault(i.asker_id, []).append(i)
        introductions_of.setdefault(i.helper_id, []).append(i)
        if counts_toward_load(i, now):
            recent_load[i.helper_id] = recent_load.get(i.helper_id, 0) + 1
    return Helpers(
        records,
        index,
        away=frozenset(m for m, r in records.items() if r.obstacle(now) is not None),
        recent_load=recent_load,
        introductions_of=introductions_of,
    )


async def rank_helpers(
    uow: UnitOfWork,
    directory: HelperDirectory,
    community: Community,
    ask: Ask,
    now: datetime,
    *,
    top: int = SUGGESTIONS,
    only: set[int] | None = None,
) -> list[Candidate]:
    """The best available helpers for an ask, after every pairing and fairness rule."""
    helpers = await load_helpers(uow, directory, community, now)
    return search_helpers(helpers, community, ask, now, top=top, only=only)


def search_helpers(
    helpers: Helpers,
    community: Community,
    ask: Ask,
    now: datetime,
    *,
    top: int = SUGGESTIONS,
    only: set[int] | None = None,
) -> list[Candidate]:
    """:func:`rank_helpers` on a directory already read, so several asks share one read."""
    asker = ask.member_id
    history = AskerHistory.of(asker, helpers.introductions_of.get(asker, ()), ask_id=ask.id)
    set_aside = (
        history.off_limits | helpers.away | busy_helpers(helpers.recent_load, community.capacity)
    )
    one = next(iter(only)) if only is not None and len(only) == 1 else None
    if one is not None:  # scoring one member needs no list of everyone else
        unavailable = {one} & set_aside
    else:
        unavailable = set(set_aside)
        if only is not None:
            unavailable |= helpers.records.keys() - only
    asker_member = helpers.records.get(asker)
    context = MatchContext(
        asker_id=asker,
        now=now,
        unavailable=frozenset(unavailable),
        recent_introductions=helpers.recent_load,
        capacity=community.capacity,
        previous_partners=history.previous_partners,
        asker_timezone=asker_member.timezone if asker_member else None,
    )
    if one is not None:
        candidate = helpers.index.search_one(one, ask.text, context)
        return [candidate] if candidate is not None and top > 0 else []
    return helpers.index.search(ask.text, context, top=top)


async def open_asks_for(
    uow: UnitOfWork, community: Community, member: Member, top: int = 3
) -> list[tuple[Ask, Member]]:
    """Public open asks by others that this member's skills fit (pay it forward)."""
    asks = [
        a
        for a in await uow.asks.open_in(stored_id(community))
        if not a.private and a.member_id != member.id
    ]
    profile = HelperProfile(
        member_id=stored_id(member),
        name=member.name,
        skills=tuple(member.skills),
        bio=member.bio or "",
        offers=tuple(
            OfferText(stored_id(o), o.text)
            for o in await uow.offers.by_member(stored_id(member))
            if o.text
        ),
    )
    chosen = asks_member_could_answer(
        profile,
        [(stored_id(a), a.text) for a in asks],
        Vocabulary.for_aliases(community.aliases),
        top=top,
    )
    by_id = {stored_id(a): a for a in asks}
    authors = {
        stored_id(m): m for m in await uow.members.get_many({by_id[i].member_id for i in chosen})
    }
    return [
        (by_id[i], authors[by_id[i].member_id]) for i in chosen if by_id[i].member_id in authors
    ]
