"""A member's own page (Slack's App Home), and events seen once across workers."""

from __future__ import annotations

from bot import use_cases
from bot.app.profiles import keep_up
from bot.app.rooms import Rooms
from bot.commands import Actor, ShowMe
from bot.messages import Message
from bot.use_cases import profile


class Home(Rooms):
    """What a member sees of their own, without a command."""

    async def overview(self, actor: Actor) -> Message:
        """The member's own open offers, asks, pending introductions and pause state,
        for a home screen; nothing is sent. A member already saved is shown it without
        waiting for what the platform says of them (see :meth:`take_profile`)."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                community, member = await use_cases.enter(uow, actor, now)
                ctx = self._context(uow, now, actor, community, member)
                [overview] = await profile.show_me(ctx, ShowMe())
                await uow.commit()
        except use_cases.NewMember:  # nothing was saved: again, with the platform's answer
            return await self.overview(await actor.complete())
        return overview

    async def take_profile(self, actor: Actor) -> None:
        """Once the platform has said who the member is (see
        :attr:`~bot.commands.Actor.later`), save their name and time zone if they
        changed: after :meth:`overview`, once the page is shown."""
        await keep_up(self._uow, actor)

    async def first_time(self, event_key: str) -> bool:
        """True the first time a platform event id is seen, across all workers."""
        async with self._uow() as uow:
            fresh = await uow.events.first_time(event_key, self._clock.now())
            await uow.commit()
        return fresh
