"""What operators do with a community: import its members, check who would be suggested, count."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.directory import HelperDirectory, ranking_key
from bot.directory_import import MemberRecord
from bot.domain import Ask, Community, Member, Offer, was_forgotten
from bot.domain.pairing import Obstacle, introduction_obstacle
from bot.errors import NotFound
from bot.matching import Candidate
from bot.matching.fields import packed
from bot.ports import TextEncoder, UnitOfWork
from bot.text import day
from bot.use_cases.context import members_by_id, stored_id, vocabulary_for
from bot.use_cases.helpers import SUGGESTIONS, find_helpers, forget_words

Progress = Callable[[int], None]
"""Told how many more items are done, for a progress bar."""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    offers: int
    forgotten: int = 0
    """Rows left out: members who asked givefirst to forget them."""
    closed: int = 0
    """Offers an earlier import had added that the member's row no longer holds."""
    not_in_file: int = 0
    """Members on record (not forgotten) whose row the file does not hold: left as
    they were."""


async def import_directory(
    uow: UnitOfWork,
    community_key: str,
    records: Sequence[MemberRecord],
    now: datetime,
    progress: Progress | None = None,
) -> ImportSummary:
    """Create or update members (and their offers) from a validated directory file.

    Re-importing the same file changes nothing: members are matched by handle
    and an offer is added only if the member has no offer with the same text. An offer
    an earlier import added that the member's row no longer holds is closed (the
    directory changed it); offers members made themselves are theirs, and stay. A row
    whose handle belonged to a member who used forget-me is left out: the file does
    not bring them back (they may come back themselves, by using givefirst again).
    """
    community = await uow.communities.get_by_key(community_key)
    if community is None:
        community = Community(key=community_key, created_at=now)
        await uow.communities.add(community)
    vocabulary = vocabulary_for(community)
    created = updated = offers = forgotten = closed = 0
    on_record = await uow.members.count(community.id, forgotten=False) if community.id else 0
    kept_out = await uow.members.kept_out(stored_id(community)) if community.id else frozenset()
    # Platform ids are matched in any case ("u1ab" in a file is Slack's U1AB): only for
    # a community that had members, where a file's row may be one of them.
    had_members = on_record > 0
    for record in records:
        member = await uow.members.get_by_platform_id(stored_id(community), record.handle)
        if member is None and had_members:
            like = await uow.members.platform_id_like(stored_id(community), record.handle)
            if like is not None:
                member = await uow.members.get_by_platform_id(stored_id(community), like)
        if member is None and was_forgotten(record.handle, kept_out):
            forgotten += 1
            if progress is not None:
                progress(1)
            continue
        if member is None:
            member = Member(
                community_id=stored_id(community),
                platform_user_id=record.handle,
                display_name=record.name,
                joined_at=now,
            )
            await uow.members.add(member)
            created += 1
        else:
            updated += 1
        member.display_name = record.name
        member.timezone = record.timezone or member.timezone
        member.bio = record.bio or member.bio
        member.add_skills([name for s in record.skills for name in vocabulary.read_skill(s)])
        held = await uow.offers.by_member(stored_id(member))
        for offer in held:
            if offer.imported and offer.is_open and offer.text not in record.offers:
                offer.withdraw(member)
                await forget_words(uow, offer)
                closed += 1
        existing = {o.text for o in held}
        for text_ in record.offers:
            if text_ in existing:
                continue
            await uow.offers.add(
                Offer(
                    community_id=stored_id(community),
                    member_id=stored_id(member),
                    text=text_,
                    skills=list(vocabulary.tags(text_)),
                    created_at=now,
                    imported=True,
                )
            )
            offers += 1
        if progress is not None:
            progress(1)
    return ImportSummary(
        created, updated, offers, forgotten, closed, not_in_file=max(on_record - updated, 0)
    )


@dataclass(frozen=True)
class Matches:
    """Who would be suggested for an ask: confidently, or only as the closest lead."""

    confident: list[tuple[Member, Candidate]]
    closest: list[tuple[Member, Candidate]]
    stands_out_by: float | None = None
    """How far the best member stood out; None when matched by words alone."""
    confident_from: float | None = None
    """How far they must stand out in this community to be suggested with confidence."""
    set_aside: tuple[Member, str] | None = None
    """The member who fits best, when the rules leave them out, and why."""
    says_the_same: bool = False
    """Whether the suggestions are confident only because the best member's own words
    say nearly what the ask says (nobody stands out)."""
    many_have_it: bool = False
    """Whether they are confident only because many members have the skill the ask
    names (nobody stands out from them)."""


async def match_text(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    encoder: TextEncoder | None,
    community_key: str,
    ask_text: str,
    now: datetime,
    top: int = SUGGESTIONS,
) -> Matches:
    """Who would be suggested for this ask right now (for admins checking the directory)."""
    community = await uow.communities.get_by_key(community_key)
    if community is None:
        raise NotFound(f"There is no community {community_key!r} in this database.")
    probe = Ask(
        community_id=stored_id(community),
        member_id=0,
        text=ask_text,
        skills=[],
        private=True,
        created_at=now,
    )
    vector = None
    if encoder is not None:
        read = vocabulary_for(community).read_for_meaning(ask_text)
        [vector] = await encoder.encode([read])
    ranking = await helpers.rank(community, ask_text, vector)
    found = await find_helpers(
        uow,
        helpers,
        community,
        probe,
        now,
        vector=vector,
        top=top,
        ahead={ranking_key(ask_text, vector): ranking},
    )
    members = await members_by_id(uow, [c.member_id for c in (*found.confident, *found.closest)])
    margin = found.margin  # None when matched by words alone
    best = ranking.scores[0][0] if ranking.scores else None
    return Matches(
        [(members[c.member_id], c) for c in found.confident],
        [(members[c.member_id], c) for c in found.closest],
        stands_out_by=None if margin is None else round(margin, 4),
        confident_from=None if margin is None else helpers.current(community).confident_margin,
        set_aside=None
        if best is None or best in members
        else await _left_out(uow, community, best, now),
        says_the_same=ranking.says_the_same,
        many_have_it=ranking.many_have_it,
    )


async def _left_out(
    uow: UnitOfWork, community: Community, member_id: int, now: datetime
) -> tuple[Member, str] | None:
    """The member ranked first for an ask, when a rule about helpers leaves them out
    (see :func:`bot.domain.pairing.introduction_obstacle`), and why."""
    best = await uow.members.get(member_id)
    if best is None:
        return None
    past = await uow.introductions.involving(member_id)
    match introduction_obstacle(0, best, past, now=now, capacity=community.capacity):
        case Obstacle.TAKING_A_BREAK if best.paused_until is not None:
            return best, f"is paused until {day(best.paused_until, now)}"
        case Obstacle.DMS_CLOSED:
            return best, "has direct messages closed"
        case Obstacle.BUSY_WEEK:
            return best, "has had as many introductions this week as the community allows"
    return None


async def fill_missing_vectors(
    unit_of_work: Callable[[], UnitOfWork],
    encoder: TextEncoder,
    *,
    community_id: int | None = None,
    page: int = 500,
    progress: Progress | None = None,
    stopping: Callable[[], bool] = lambda: False,
    reading: Callable[[], UnitOfWork] | None = None,
) -> int:
    """Make the vectors that are missing or out of date (a new model, an import made
    without one, words changed while it was off, a new alias), a page of members at a
    time, until ``stopping()`` is true; returns how many fields were encoded. Pages are
    looked through in ``reading`` units of work if given (they take no write lock).

    Each page is read in one transaction, encoded with none open (on SQLite a
    transaction holds the write lock, which members' commands would wait for), and
    written in another, which keeps only the vectors whose text is still the one
    encoded: a member who edits meanwhile has their new words encoded by the edit."""
    after, encoded = 0, 0
    while not stopping():
        async with (reading or unit_of_work)() as uow:
            scanned = await uow.members.ids_after(after, page, community_id=community_id)
            if not scanned:
                return encoded
            missing = await uow.vectors.missing(
                encoder.model_id, after_member=after, limit=page, community_id=community_id
            )
        if missing:
            vectors = await encoder.encode([field.text for field in missing])
            async with unit_of_work() as uow:
                still = await uow.vectors.missing(
                    encoder.model_id, after_member=after, limit=page, community_id=community_id
                )
                unchanged = {(field.key, field.text) for field in still}
                for field, vector in zip(missing, vectors, strict=True):
                    if (field.key, field.text) in unchanged:
                        await uow.vectors.put(
                            field.community_id,
                            field.member_id,
                            encoder.model_id,
                            packed(field.key, field.text, vector),
                        )
                        encoded += 1
                await uow.commit()
        after = scanned[-1]
        if progress is not None:
            progress(len(scanned))
    return encoded
