"""Scheduled work: expiring and reminding introduction requests, asking how an
introduction went, "still relevant?" checks, members back from a break, and composing
the weekly digest.

Each piece of work is claimed by a unique key in the same transaction that decides
it, so it is done once however many processes plan it (see :mod:`bot.scheduler`).
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import datetime, timedelta

from bot import render
from bot.directory import HelperDirectory
from bot.domain import (
    RELEVANCE_ANSWER_DAYS,
    Ask,
    AskStatus,
    Community,
    Introduction,
    Offer,
    OfferStatus,
    Party,
    due_relevance_check,
)
from bot.messages import Message
from bot.ports import UnitOfWork
from bot.render import Digest
from bot.schedule import Scheduled
from bot.use_cases.context import Messages, member_of, stored_id
from bot.use_cases.helpers import ask_vector, find_helpers, forget_words
from bot.use_cases.introductions import new_introduction, tell_asker_and_suggest_next
from bot.use_cases.offers_and_asks import waiting_askers_told, withdraw_requests
from bot.use_cases.rounds import digest_lines


async def expire_introductions(
    uow: UnitOfWork, helpers: HelperDirectory, now: datetime, *, only: int | None = None
) -> list[Scheduled]:
    """Expire unanswered requests and move each ask on to its next candidate (in the
    community ``only``, if given)."""
    out: list[Scheduled] = []
    for intro in _of(await uow.introductions.pending_expired(now), only):
        key = f"expire:{intro.request_key}"
        if not await uow.claims.claim(key, now):
            continue
        intro.expire(now)
        community = await uow.communities.get(intro.community_id)
        if community is None:
            continue
        messages = await _after_expiry(uow, helpers, community, intro, now)
        out.append(Scheduled(key, stored_id(community), messages))
    return out


async def _after_expiry(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    intro: Introduction,
    now: datetime,
) -> Messages:
    days = community.intro_expiry_days
    if intro.awaiting is Party.ASKER:
        return [render.asker_not_answering(await member_of(uow, intro.helper_id))]
    ask = await uow.asks.get(intro.ask_id) if intro.ask_id else None
    if ask is not None and ask.is_open and not ask.private:
        return await _move_on(uow, helpers, community, ask, intro, now)
    # A private ask reaches only the members its asker chose: they choose the next one.
    return await tell_asker_and_suggest_next(
        uow,
        helpers,
        community,
        intro,
        now,
        why=f"didn't answer within {days} days, so nobody was introduced. Maybe another time!",
    )


async def _move_on(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    ask: Ask,
    expired: Introduction,
    now: datetime,
) -> Messages:
    """The asker already said yes to being introduced for this ask: ask the next candidate."""
    asker = await member_of(uow, ask.member_id)
    late = await member_of(uow, expired.helper_id)
    vector = await ask_vector(uow, helpers, ask)
    found = await find_helpers(uow, helpers, community, ask, now, vector=vector, top=1)
    days = community.intro_expiry_days
    if not found.confident:
        ask.suggested(0, now)
        return [render.nobody_else_yet(asker, late, days)]
    helper = await member_of(uow, found.confident[0].member_id)
    reason = " · ".join(found.confident[0].reasons)
    intro = new_introduction(community, asker, helper, Party.HELPER, reason, now, ask=ask)
    await uow.introductions.add(intro)
    return [
        render.consent_request(intro, asker, helper, ask.text, volunteered=False),
        render.asked_instead(asker, late, helper, days),
    ]


async def send_follow_ups(
    uow: UnitOfWork, now: datetime, *, only: int | None = None
) -> list[Scheduled]:
    """Ask 'did it help?' once per introduction whose follow-up is due."""
    out: list[Scheduled] = []
    for intro in _of(await uow.introductions.follow_ups_due(now), only):
        due = intro.follow_up_due_at
        # The due time tells a second follow-up (after "Not yet") from the first.
        key = f"followup:{stored_id(intro)}:{due.isoformat() if due else ''}"
        if not await uow.claims.claim(key, now):
            continue
        intro.follow_up_sent_at = now
        asker = await member_of(uow, intro.asker_id)
        helper = await member_of(uow, intro.helper_id)
        if asker.platform_user_id is None or helper.platform_user_id is None:
            continue
        out.append(Scheduled(key, intro.community_id, [render.follow_up(intro, asker, helper)]))
    return out


async def remind_introductions(
    uow: UnitOfWork, now: datetime, *, only: int | None = None
) -> list[Scheduled]:
    """Nudge whoever a request is waiting for, once, halfway before it expires."""
    out: list[Scheduled] = []
    for intro in _of(await uow.introductions.reminders_due(now), only):
        if not intro.needs_reminder(now):
            continue
        key = f"remind:{intro.request_key}"
        if not await uow.claims.claim(key, now):
            continue
        intro.reminded_at = now
        asker = await member_of(uow, intro.asker_id)
        helper = await member_of(uow, intro.helper_id)
        if asker.platform_user_id is None or helper.platform_user_id is None:
            continue
        volunteered = intro.awaiting is Party.ASKER
        requester, recipient = (helper, asker) if volunteered else (asker, helper)
        ask = await uow.asks.get(intro.ask_id) if intro.ask_id else None
        offer = await uow.offers.get(intro.offer_id) if intro.offer_id else None
        about = ask.text if ask is not None else offer.text if offer is not None else ""
        request = render.consent_request(
            intro,
            requester,
            recipient,
            about,
            volunteered=volunteered,
            private=ask is not None and ask.private,
        )
        out.append(Scheduled(key, intro.community_id, [render.reminder(request)]))
    return out


async def back_from_breaks(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    ended: Container[int],
    now: datetime,
) -> list[Scheduled]:
    """Members whose break ran out without `/givefirst resume` are back as if they had
    said it: asks still waiting hear if their open offers fit them (once, by a claim on
    the break's end). ``ended``: the communities where a break ended, read before."""
    out: list[Scheduled] = []
    if community.id not in ended:
        return out
    for member in await uow.members.breaks_over(now, stored_id(community)):
        if member.paused_until is None:
            continue
        key = f"break-over:{stored_id(member)}:{member.paused_until.isoformat()}"
        if not await uow.claims.claim(key, now):
            continue
        member.resume()
        told: Messages = []
        for offer in await uow.offers.by_member(stored_id(member)):
            if offer.is_open:
                told += await waiting_askers_told(uow, helpers, community, member, offer, now)
        if told:
            out.append(Scheduled(key, stored_id(community), told))
    return out


def _of(intros: Sequence[Introduction], only: int | None) -> Sequence[Introduction]:
    """These introductions, or those of the community ``only``."""
    return intros if only is None else [i for i in intros if i.community_id == only]


async def check_relevance(uow: UnitOfWork, community: Community, now: datetime) -> list[Scheduled]:
    """Ask authors of old open asks and offers whether they still stand; close
    the ones nobody answered for :data:`RELEVANCE_ANSWER_DAYS` days."""
    cid = stored_id(community)
    unconfirmed_since = now - timedelta(days=community.stale_after_days)
    asked_before = now - timedelta(days=RELEVANCE_ANSWER_DAYS)
    out: list[Scheduled] = []
    items: list[Ask | Offer] = [*await uow.asks.stale(cid, unconfirmed_since, asked_before)]
    items += await uow.offers.stale(cid, unconfirmed_since, asked_before)
    for item in items:
        if due_relevance_check(item, unconfirmed_since, asked_before):
            out += await _check_relevance(uow, item, now)
    return out


async def _check_relevance(uow: UnitOfWork, item: Ask | Offer, now: datetime) -> list[Scheduled]:
    kind = "ask" if isinstance(item, Ask) else "offer"
    author = await member_of(uow, item.member_id)
    if item.relevance_asked_at is not None:
        key = f"stale-close:{kind}:{stored_id(item)}:{item.relevance_asked_at.isoformat()}"
        if not await uow.claims.claim(key, now):
            return []
        item.relevance_asked_at = None
        withdrawn: list[Message] = []
        if isinstance(item, Ask):
            item.status = AskStatus.CLOSED
            post = render.ask_post(item, author)
            withdrawn = await withdraw_requests(uow, item, author)
        else:
            item.status = OfferStatus.EXPIRED
            post = render.offer_post(item, author)
        await forget_words(uow, item)
        messages = [*([] if isinstance(item, Ask) and item.private else [post])]
        if author.platform_user_id is not None:
            messages.append(render.closed_for_silence(item, author, kind))
        messages += withdrawn
        return [Scheduled(key, item.community_id, messages)]
    since = item.confirmed_at or item.created_at
    key = f"relevance:{kind}:{stored_id(item)}:{since.isoformat()}"
    if not await uow.claims.claim(key, now):
        return []
    item.relevance_asked_at = now
    if author.platform_user_id is None:
        return []
    return [Scheduled(key, item.community_id, [render.still_relevant(item, author, kind)])]


async def digest_for(
    uow: UnitOfWork,
    community: Community,
    since: datetime,
    until: datetime,
    *,
    now: datetime | None = None,
) -> Digest:
    """Load one community's facts for a digest period and compose it, to be posted
    ``now`` (by default as the period ends; a digest posted late still names the next
    round to come, not one already past)."""
    facts = await uow.digests.facts(stored_id(community), since, until)
    rounds, news = await digest_lines(uow, community, since, until, now=now)
    return render.compose_digest(
        facts, rounds=rounds, rounds_news=news, timezone=community.timezone
    )
