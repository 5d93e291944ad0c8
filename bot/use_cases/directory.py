"""The member directory, for operators: importing members, and who would be suggested."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.directory_import import MemberRecord
from bot.domain import Ask, Community, Member, Offer
from bot.errors import NotFound
from bot.matching import Candidate
from bot.ports import UnitOfWork
from bot.skills import Vocabulary
from bot.use_cases.context import members_by_id, stored_id
from bot.use_cases.helpers import SUGGESTIONS, HelperDirectory, rank_helpers


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    offers: int


async def import_directory(
    uow: UnitOfWork, community_key: str, records: Sequence[MemberRecord], now: datetime
) -> ImportSummary:
    """Create or update members (and their offers) from a validated directory file.

    Re-importing the same file changes nothing: members are matched by handle
    and an offer is added only if the member has no offer with the same text.
    """
    community = await uow.communities.get_by_key(community_key)
    if community is None:
        community = Community(key=community_key, created_at=now)
        await uow.communities.add(community)
    vocabulary = Vocabulary.for_aliases(community.aliases)
    created = updated = offers = 0
    for record in records:
        member = await uow.members.get_by_platform_id(stored_id(community), record.handle)
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
        member.add_skills(
            [vocabulary.normalise(s) for s in record.skills if vocabulary.normalise(s)]
        )
        existing = {o.text for o in await uow.offers.by_member(stored_id(member))}
        for text_ in record.offers:
            if text_ in existing:
                continue
            await uow.offers.add(
                Offer(
                    community_id=stored_id(community),
                    member_id=stored_id(member),
                    text=text_,
                    skills=list(vocabulary.extract(text_)),
                    created_at=now,
                )
            )
            offers += 1
    return ImportSummary(created, updated, offers)


async def match_text(
    uow: UnitOfWork,
    directory: HelperDirectory,
    community_key: str,
    ask_text: str,
    now: datetime,
    top: int = SUGGESTIONS,
) -> list[tuple[Member, Candidate]]:
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
    ranked = await rank_helpers(uow, directory, community, probe, now, top=top)
    members = await members_by_id(uow, [r.member_id for r in ranked])
    return [(members[r.member_id], r) for r in ranked]
