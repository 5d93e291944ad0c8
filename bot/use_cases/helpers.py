"""Finding helpers for an ask: the community's directory, then the pairing rules.

The directory (:mod:`bot.directory`) scores the community; this room reads what the
rules need for the few members who lead (the asker's own introductions, and each
leader's load this week), in two narrow queries whatever the community's size, and
lets :mod:`bot.domain.pairing` and fairness decide.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from bot.directory import CommunityDirectory, HelperDirectory, RankedAhead
from bot.domain import Ask, Community, Introduction, Member, Offer, Thanks
from bot.domain.directory import FieldKind, WaitingAsk, field_key
from bot.domain.identity import stored_id
from bot.domain.pairing import LOAD_WINDOW, AskerHistory, busy_helpers
from bot.matching import Candidate, HelperProfile, MatchContext, OfferText
from bot.matching.fields import Vector, packed, unpacked
from bot.matching.hybrid import Ranking, Suggestions
from bot.ports import TextEncoder, UnitOfWork
from bot.use_cases.context import vocabulary_for

SUGGESTIONS = 3


@dataclass(frozen=True)
class _SetAside:
    """Members who may not be suggested for this ask: away, off limits or busy."""

    away: Container[int]
    others: frozenset[int]

    def __contains__(self, member: object) -> bool:
        return member in self.others or member in self.away


async def find_helpers(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    ask: Ask,
    now: datetime,
    *,
    vector: Vector | None,
    top: int = SUGGESTIONS,
    asker: Member | None = None,
    ahead: RankedAhead | None = None,
) -> Suggestions:
    """The best available helpers for an ask, after every pairing and fairness rule,
    kept on the ask as how far its best member stood out (for the community's
    calibration). ``asker`` is the member who asked, when at hand (a newcomer is not in
    the directory until their first command is committed); ``ahead``, what the command
    ranked before its transaction."""
    ranking = await helpers.rank(community, ask.text, vector, ahead=ahead)
    directory = helpers.current(community)
    history = await uow.introductions.involving(ask.member_id)
    loads = await uow.introductions.loads(
        stored_id(community), ranking.leaders(), now - LOAD_WINDOW
    )
    sought = _Sought(ask.id, ask.member_id)
    context = _context(directory, community, sought, now, history, loads, asker)
    found = directory.search.choose(ranking, context, top=top)
    ask.match_margin = found.margin
    return found


async def asks_now_fitting(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    member_id: int,
    asks: Sequence[WaitingAsk],
    now: datetime,
    *,
    ahead: RankedAhead | None = None,
) -> dict[int, tuple[Candidate, float | None]]:
    """Of these waiting asks, those this member now comes out for as a confident
    suggestion (after every rule, as :func:`find_helpers` decides), with the reasons
    and how far the best member stood out.
    Each ask is scored in memory first; the rules' two queries are read once for the
    asks the member could still win, not once per ask."""
    directory = helpers.current(community)
    others = [ask for ask in asks if ask.member_id != member_id]
    rankings = await helpers.rank_each(
        community, [(a.text, waiting_vector(a)) for a in others], ahead=ahead
    )
    ranked = [
        (ask, ranking)
        for ask, ranking in zip(others, rankings, strict=True)
        if could_come_out(ranking, member_id)
    ]
    if not ranked:
        return {}
    history = await uow.introductions.involving_any({ask.member_id for ask, _ in ranked})
    leaders = {member for _, ranking in ranked for member in ranking.leaders()}
    loads = await uow.introductions.loads(stored_id(community), leaders, now - LOAD_WINDOW)
    fitting: dict[int, tuple[Candidate, float | None]] = {}
    for ask, ranking in ranked:
        sought = _Sought(ask.ask_id, ask.member_id)
        context = _context(directory, community, sought, now, history, loads)
        found = directory.search.choose(ranking, context, top=SUGGESTIONS)
        mine = [c for c in found.confident if c.member_id == member_id]
        if mine:
            fitting[ask.ask_id] = (mine[0], found.margin)
    return fitting


def could_come_out(ranking: Ranking, member_id: int) -> bool:
    """Whether a member could come out of this ranking as a confident suggestion: the
    rules only set members aside, so one not ranked, or in a ranking nobody stands out
    in, cannot."""
    return ranking.sure and any(member == member_id for member, _ in ranking.scores)


async def explain_helper(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    ask: Ask,
    member: Member,
    now: datetime,
    *,
    vector: Vector | None,
) -> tuple[str, ...]:
    """Why a member the asker picked fits the ask, in the member's own words."""
    directory = helpers.current(community)
    ranking = directory.search.rank(ask.text, vector)
    context = MatchContext(asker_id=ask.member_id, now=now, capacity=community.capacity)
    return directory.search.explain(stored_id(member), ranking, context)


@dataclass(frozen=True)
class _Sought:
    ask_id: int | None
    asker_id: int


def _context(
    directory: CommunityDirectory,
    community: Community,
    sought: _Sought,
    now: datetime,
    introductions: Iterable[Introduction],
    loads: dict[int, int],
    member: Member | None = None,
) -> MatchContext:
    """The rules for one ask: ``introductions`` holds at least the asker's own, and
    ``loads`` the recent load of at least its ranking's leaders; ``member`` is the
    asker, when at hand."""
    asker = sought.asker_id
    history = AskerHistory.of(asker, introductions, ask_id=sought.ask_id)
    profile = directory.words.profile(asker)
    timezone = member.timezone if member is not None else profile.timezone if profile else None
    return MatchContext(
        asker_id=asker,
        now=now,
        unavailable=_SetAside(
            directory.away(now), history.off_limits | busy_helpers(loads, community.capacity)
        ),
        recent_introductions=loads,
        capacity=community.capacity,
        previous_partners=history.previous_partners,
        asker_timezone=timezone,
    )


@dataclass(frozen=True)
class EncodedAhead:
    """A sentence model that already holds the vector of the text its command will
    encode (see :func:`bot.use_cases.words_to_encode`), and asks the model for others."""

    encoder: TextEncoder
    said: str
    """The command's text."""
    text: str
    """The command's text as the model read it."""
    vector: Vector

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def dimensions(self) -> int:
        return self.encoder.dimensions

    async def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if list(texts) == [self.text]:
            return self.vector[np.newaxis]
        return await self.encoder.encode(texts)


def waiting_vector(ask: WaitingAsk) -> Vector | None:
    """A waiting ask's vector, if the model in use made one."""
    return unpacked(ask.vector) if ask.vector is not None else None


async def remember_words(
    uow: UnitOfWork,
    encoder: TextEncoder | None,
    community: Community,
    member: Member,
    kind: FieldKind,
    owner_id: int,
    text: str,
) -> Vector | None:
    """Encode a field of a member's (off the event loop) as the model reads it, with
    what the community's aliases in it stand for, and store its vector; None when no
    sentence model is in use."""
    read = vocabulary_for(community).read_for_meaning(text)
    vector = await encoded(encoder, read)
    if encoder is not None and vector is not None:
        await keep_vector(uow, encoder, community, member, kind, owner_id, read, vector)
    return vector


async def encoded(encoder: TextEncoder | None, text: str) -> Vector | None:
    """A text's vector (off the event loop); None when no sentence model is in use."""
    if encoder is None or not text:
        return None
    vector: Vector = (await encoder.encode([text]))[0]
    return vector


async def keep_vector(
    uow: UnitOfWork,
    encoder: TextEncoder,
    community: Community,
    member: Member,
    kind: FieldKind,
    owner_id: int,
    text: str,
    vector: Vector,
) -> None:
    """Store the vector of a member's field, made by :func:`encoded` from ``text`` (the
    field as the model read it: see :meth:`Vocabulary.read_for_meaning`)."""
    key = field_key(kind, owner_id)
    await uow.vectors.put(
        stored_id(community), stored_id(member), encoder.model_id, packed(key, text, vector)
    )


def thanked_already(intro: Introduction, thanks: Sequence[Thanks]) -> bool:
    """Whether the asker has thanked the helper since this introduction was asked for
    (then "Would you like to thank them?" would only ask again); ``thanks``: those
    involving the asker."""
    return any(
        t.giver_id == intro.asker_id
        and t.receiver_id == intro.helper_id
        and t.created_at >= intro.requested_at
        for t in thanks
    )


async def forget_words(uow: UnitOfWork, item: Ask | Offer) -> None:
    """An ask or offer has closed: its vector is read no more, so it is not kept (nor
    made again when the sentence model changes)."""
    kind = FieldKind.ASK if isinstance(item, Ask) else FieldKind.OFFER
    await uow.vectors.delete([field_key(kind, stored_id(item))])


async def ask_vector(uow: UnitOfWork, helpers: HelperDirectory, ask: Ask) -> Vector | None:
    """The stored vector of an ask, if the model in use made one."""
    if helpers.model is None or ask.id is None:
        return None
    stored = await uow.vectors.get(field_key(FieldKind.ASK, ask.id), helpers.model)
    if stored is None:
        return None
    vector: Vector = unpacked(stored)
    return vector


async def open_asks_for(
    uow: UnitOfWork, helpers: HelperDirectory, community: Community, member: Member, top: int = 3
) -> list[tuple[Ask, Member]]:
    """Open public asks by others that this member's skills fit (pay it forward): found
    in the helper directory by skill, then read as committed."""
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
    chosen = helpers.current(community).public_asks.fitting(profile, top=top)
    asks = [
        ask
        for ask in [await uow.asks.get(ask_id) for ask_id in chosen]
        if ask is not None and ask.is_open and not ask.private and ask.member_id != member.id
    ]
    authors = {stored_id(m): m for m in await uow.members.get_many({a.member_id for a in asks})}
    return [(ask, authors[ask.member_id]) for ask in asks if ask.member_id in authors]
