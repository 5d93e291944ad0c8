"""How the community is doing, for its admins and operators, and signing in to see it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import commands as c
from bot import health, sign_in
from bot.domain import Community
from bot.errors import NotAllowed, NotPossible
from bot.health import CommunityHealth
from bot.ports import UnitOfWork
from bot.render import health as words
from bot.sign_in import DashboardAccess, Pass, Session, SignInRefused
from bot.use_cases.context import Context, Messages, stored_id, vocabulary_for

SIGNING_KEY = "dashboard-sign-in"
NOT_SET_UP = (
    "The dashboard isn't set up here yet: whoever runs givefirst sets "
    "GIVEFIRST_PUBLIC_URL to the address it is served at."
)


async def community_health(
    uow: UnitOfWork, community_key: str, now: datetime, *, weeks: int
) -> CommunityHealth | None:
    """Every health figure of the community; None if there is no such community."""
    community = await uow.communities.get_by_key(community_key)
    if community is None:
        return None
    return await _health_of(uow, community, now, weeks=weeks)


async def _health_of(
    uow: UnitOfWork, community: Community, now: datetime, *, weeks: int
) -> CommunityHealth:
    facts = await uow.health.facts(stored_id(community))
    return health.compute(
        facts,
        community_key=community.key,
        now=now,
        timezone=community.timezone,
        capacity=community.capacity,
        vocabulary=vocabulary_for(community),
        weeks=weeks,
    )


async def open_dashboard(ctx: Context, cmd: c.OpenDashboard) -> Messages:
    """``/givefirst dashboard``: a one-time sign-in link, for an admin's eyes only."""
    if not ctx.is_admin:
        raise NotAllowed(
            "Only community admins can open the dashboard. An admin can share how "
            "the community is doing."
        )
    if ctx.dashboard is None or not ctx.dashboard.public_url:
        raise NotPossible(NOT_SET_UP)
    key = await signing_key(ctx.uow, ctx.dashboard, ctx.now)
    admin = sign_in.Admin(ctx.actor.user_id, by_platform=ctx.actor.is_platform_admin)
    token = sign_in.issue_pass(key, ctx.community.key, ctx.now, admin)
    url = ctx.dashboard.sign_in_url(ctx.community.key, token)
    return [words.dashboard_link(ctx.actor.user_id, url)]


async def sign_in_link(
    uow: UnitOfWork, access: DashboardAccess, community_key: str, now: datetime
) -> str:
    """A sign-in link made for an operator (who holds the database anyway)."""
    if not access.public_url:
        raise NotPossible(NOT_SET_UP)
    token = sign_in.issue_pass(await signing_key(uow, access, now), community_key, now)
    return access.sign_in_url(community_key, token)


async def check_pass(
    uow: UnitOfWork, access: DashboardAccess, community_key: str, token: str, now: datetime
) -> Pass:
    """The pass in a sign-in link, if it is genuine, fresh and for this community
    (whether it was used is known only by using it: :func:`trade_pass`)."""
    found = sign_in.read_pass(await signing_key(uow, access, now), token, community_key, now)
    if await uow.communities.get_by_key(community_key) is None:
        raise SignInRefused("There is no such community here.")
    return found


async def trade_pass(
    uow: UnitOfWork, access: DashboardAccess, community_key: str, token: str, now: datetime
) -> tuple[str, Session]:
    """A signed session for the community, for a genuine, fresh, unused sign-in link."""
    found = await check_pass(uow, access, community_key, token, now)
    if not await uow.events.first_time(f"sign-in:{found.nonce}", now):
        raise SignInRefused(
            "This sign-in link was already used: each link works once. "
            "Ask for a new one with /givefirst dashboard."
        )
    return sign_in.issue_session(
        await signing_key(uow, access, now), community_key, now, found.admin
    )


async def for_session(
    uow: UnitOfWork,
    access: DashboardAccess,
    community_key: str,
    token: str,
    now: datetime,
    *,
    weeks: int,
) -> CommunityHealth:
    """The community's figures, for a session signed in to that community alone, by an
    admin who still is one."""
    session = sign_in.read_session(await signing_key(uow, access, now), token, community_key, now)
    community = await uow.communities.get_by_key(community_key)
    if community is None:
        raise SignInRefused("There is no such community here.")
    await _still_admin(uow, community, session)
    return await _health_of(uow, community, now, weeks=weeks)


async def session_holds(
    uow: UnitOfWork, access: DashboardAccess, community_key: str, token: str, now: datetime
) -> bool:
    """Whether a session is signed in to this community, by an admin who still is one."""
    try:
        session = sign_in.read_session(
            await signing_key(uow, access, now), token, community_key, now
        )
        community = await uow.communities.get_by_key(community_key)
        if community is None:
            return False
        await _still_admin(uow, community, session)
    except SignInRefused:
        return False
    return True


async def _still_admin(uow: UnitOfWork, community: Community, session: sign_in.Session) -> None:
    """Refuses a session whose admin has left the admin list or been forgotten since
    signing in (a member on record since the session began is someone who came back
    after forget-me, or whom another member named since). A platform's own admins are
    checked by the platform, at sign-in: a web page cannot ask it, and their session
    ends within 12 hours."""
    admin = session.admin
    if admin is None:
        return
    member = await uow.members.get_by_platform_id(stored_id(community), admin.user_id)
    began = session.expires_at - sign_in.SESSION_LIFETIME
    # A session's times are whole seconds: a member on record within the second it
    # began may be the one who signed in.
    since = member is not None and member.joined_at >= began + timedelta(seconds=1)
    if member is None or member.forgotten_at is not None or since:
        raise SignInRefused("You are no longer a member of this community here.")
    if not admin.by_platform and admin.user_id not in community.admin_ids:
        raise SignInRefused(
            "You are no longer an admin of this community: an admin took you off the "
            "list since you signed in."
        )


async def signing_key(uow: UnitOfWork, access: DashboardAccess, now: datetime) -> str:
    """The operator's key, or else the one kept in the database (made on first use)."""
    if access.secret:
        return access.secret
    return await uow.signing_keys.get_or_add(SIGNING_KEY, sign_in.new_key(), now)
