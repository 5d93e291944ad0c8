"""Who may be introduced to whom: the one place for that rule.

Helper search uses it to set members aside before anyone is ranked; a named request
(an asker picking a helper, a member volunteering, a request for an offer) uses it to
refuse with a reason. Both read the same functions, so a member who may not be asked
is never suggested, and a member who is suggested may always be asked. Give-first
rounds read it too: who takes part in a round, and which two may never meet in one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.identity import stored_id
from bot.domain.introductions import Introduction, IntroStatus
from bot.domain.members import Member
from bot.domain.rounds import NeverPair, RoundGroup

LOAD_WINDOW = timedelta(days=7)
"""New introductions count towards a helper's load for this long."""


class Obstacle(enum.StrEnum):
    """Why two members may not be introduced (for this ask or offer, right now)."""

    SAME_PERSON = "same_person"
    GONE = "gone"
    """The helper erased their data, or has no platform account to be reached on."""
    TAKING_A_BREAK = "taking_a_break"
    DMS_CLOSED = "dms_closed"
    """Introductions are asked for by direct message, and theirs are closed."""
    DECLINED_BEFORE = "declined_before"
    ALREADY_INTRODUCED = "already_introduced"
    """A request for this same ask or offer is waiting, or was accepted."""
    RAN_ITS_COURSE = "ran_its_course"
    """A request for this same ask or offer was cancelled (one that expired unanswered
    may be made again: the helper may have been away)."""
    BUSY_WEEK = "busy_week"
    """The helper already has all the new introductions they take in a week."""


def helper_obstacle(
    *,
    paused_until: datetime | None,
    forgotten: bool,
    has_account: bool,
    dm_closed: bool,
    now: datetime,
) -> Obstacle | None:
    """Whether a member can be asked to help anyone at all right now."""
    if forgotten or not has_account:
        return Obstacle.GONE
    if paused_until is not None and paused_until > now:
        return Obstacle.TAKING_A_BREAK
    if dm_closed:
        return Obstacle.DMS_CLOSED
    return None


def history_obstacle(
    asker_id: int,
    helper_id: int,
    past: Iterable[Introduction],
    *,
    ask_id: int | None = None,
    offer_id: int | None = None,
) -> Obstacle | None:
    """What the two members' past introductions say: a declined pairing is never
    proposed again, and nobody is asked twice about the same ask or offer."""
    if asker_id == helper_id:
        return Obstacle.SAME_PERSON
    found: Obstacle | None = None
    for intro in past:
        if not (intro.involves(asker_id) and intro.involves(helper_id)):
            continue
        if intro.status is IntroStatus.DECLINED:
            return Obstacle.DECLINED_BEFORE
        same = (ask_id is not None and intro.ask_id == ask_id) or (
            offer_id is not None and intro.offer_id == offer_id and intro.ask_id is None
        )
        if same and intro.status in (IntroStatus.PENDING, IntroStatus.ACCEPTED):
            found = Obstacle.ALREADY_INTRODUCED
        elif same and found is None and intro.status is not IntroStatus.EXPIRED:
            found = Obstacle.RAN_ITS_COURSE
    return found


def counts_toward_load(intro: Introduction, now: datetime) -> bool:
    """Whether an introduction is one of its helper's new ones this week."""
    return intro.requested_at >= now - LOAD_WINDOW and intro.status in (
        IntroStatus.PENDING,
        IntroStatus.ACCEPTED,
    )


def is_at_capacity(load: int, capacity: int) -> bool:
    return load >= capacity


def weekly_load(helper_id: int, introductions: Iterable[Introduction], now: datetime) -> int:
    """New introductions a helper has this week, from their introductions."""
    return sum(1 for i in introductions if i.helper_id == helper_id and counts_toward_load(i, now))


def busy_helpers(loads: Mapping[int, int], capacity: int) -> frozenset[int]:
    """Helpers who may not take another introduction this week."""
    return frozenset(member for member, load in loads.items() if is_at_capacity(load, capacity))


@dataclass(frozen=True)
class AskerHistory:
    """What an asker's past introductions mean for a search of helpers."""

    off_limits: frozenset[int]
    """Members they may not be introduced to for this ask (see :func:`history_obstacle`),
    and those who let a request for it expire: not suggested again, though the asker
    may still ask them by name."""
    previous_partners: frozenset[int]
    """Members they were introduced to before: new connections rank above these."""

    @classmethod
    def of(
        cls, asker_id: int, introductions: Iterable[Introduction], *, ask_id: int | None
    ) -> AskerHistory:
        own = [i for i in introductions if i.involves(asker_id)]
        return cls(
            off_limits=frozenset(
                partner
                for i in own
                if history_obstacle(asker_id, partner := i.partner_of(asker_id), [i], ask_id=ask_id)
                is not None
                or (ask_id is not None and i.ask_id == ask_id and i.status is IntroStatus.EXPIRED)
            ),
            previous_partners=frozenset(
                i.partner_of(asker_id) for i in own if i.status is IntroStatus.ACCEPTED
            ),
        )


def introduction_obstacle(
    asker_id: int,
    helper: Member,
    helper_introductions: Sequence[Introduction],
    *,
    now: datetime,
    ask_id: int | None = None,
    offer_id: int | None = None,
    helper_is_acting: bool = False,
    capacity: int | None = None,
) -> Obstacle | None:
    """Whether this asker and this helper may be introduced now, for this ask or offer.

    ``helper_introductions`` are the helper's introductions (as asker or helper). A
    helper who is acting (volunteering) is plainly here and chose their own load; for
    anyone else their availability counts too, and with ``capacity`` their load."""
    found = history_obstacle(
        asker_id, stored_id(helper), helper_introductions, ask_id=ask_id, offer_id=offer_id
    )
    if found is not None or helper_is_acting:
        return found
    found = helper_obstacle(
        paused_until=helper.paused_until,
        forgotten=helper.forgotten_at is not None,
        has_account=helper.platform_user_id is not None,
        dm_closed=helper.dm_closed,
        now=now,
    )
    if found is None and capacity is not None:
        load = weekly_load(stored_id(helper), helper_introductions, now)
        found = Obstacle.BUSY_WEEK if is_at_capacity(load, capacity) else None
    return found


def round_obstacle(member: Member, now: datetime) -> Obstacle | None:
    """Whether a member who joined the rounds sits this one out: gone, on a break, or
    unreachable by direct message (where introductions arrive)."""
    return helper_obstacle(
        paused_until=member.paused_until,
        forgotten=member.forgotten_at is not None,
        has_account=member.platform_user_id is not None,
        dm_closed=member.dm_closed,
        now=now,
    )


def kept_apart_in_rounds(
    introductions: Iterable[Introduction],
    never: Iterable[NeverPair],
    recent_groups: Iterable[RoundGroup],
) -> set[tuple[int, int]]:
    """Pairs (smaller id first) that a round may not put together: one declined an
    introduction to the other, one asked never to be paired with the other, or they
    met in one of the recent rounds."""
    apart = {
        (min(i.asker_id, i.helper_id), max(i.asker_id, i.helper_id))
        for i in introductions
        if history_obstacle(i.asker_id, i.helper_id, [i]) is Obstacle.DECLINED_BEFORE
    }
    apart.update((min(n.member_id, n.other_id), max(n.member_id, n.other_id)) for n in never)
    for group in recent_groups:
        apart.update(group.pairs())
    return apart
