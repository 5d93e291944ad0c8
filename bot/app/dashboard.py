"""How the community is doing: health figures, and signing in to the dashboard."""

from __future__ import annotations

from bot.app.rooms import Rooms
from bot.health import DEFAULT_WEEKS, CommunityHealth
from bot.sign_in import Session
from bot.use_cases import health


class Dashboard(Rooms):
    """The figures, for operators and for admins signed in from the chat."""

    async def community_keys(self) -> list[str]:
        async with self._uow() as uow:
            return [c.key for c in await uow.communities.list()]

    # --- how the community is doing --------------------------------------------------------

    async def health(
        self, community_key: str, *, weeks: int = DEFAULT_WEEKS
    ) -> CommunityHealth | None:
        """The community's health figures (see :mod:`bot.health`), for operators;
        None if there is no such community."""
        async with self._uow() as uow:
            return await health.community_health(uow, community_key, self._clock.now(), weeks=weeks)

    async def check_sign_in(self, community_key: str, token: str) -> None:
        """Whether a sign-in link could be used, without using it (or :class:`SignInRefused`)."""
        async with self._uow() as uow:
            await health.check_pass(uow, self._dashboard, community_key, token, self._clock.now())

    async def sign_in(self, community_key: str, token: str) -> tuple[str, Session]:
        """A one-time sign-in link's token, traded for a session for that community."""
        async with self._uow() as uow:
            traded = await health.trade_pass(
                uow, self._dashboard, community_key, token, self._clock.now()
            )
            await uow.commit()
        return traded

    async def signed_in(self, community_key: str, session: str) -> bool:
        """Whether a session is signed in to this community (no figures worked out)."""
        async with self._uow() as uow:
            return await health.session_holds(
                uow, self._dashboard, community_key, session, self._clock.now()
            )

    async def dashboard(
        self, community_key: str, session: str, *, weeks: int = DEFAULT_WEEKS
    ) -> CommunityHealth:
        """The figures, for someone signed in to this community (or :class:`SignInRefused`)."""
        async with self._uow() as uow:
            return await health.for_session(
                uow, self._dashboard, community_key, session, self._clock.now(), weeks=weeks
            )

    async def sign_in_link(self, community_key: str) -> str:
        """A one-time sign-in link, for an operator (``givefirst web --sign-in``)."""
        async with self._uow() as uow:
            link = await health.sign_in_link(uow, self._dashboard, community_key, self._clock.now())
            await uow.commit()
        return link
