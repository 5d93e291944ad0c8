"""The one door adapters and the command line talk to: commands, buttons and reactions
in, messages out; and the operator's errands (import, match, digest preview, erase).

``GiveFirst`` runs one use case per event inside one unit of work, commits, and only
then delivers the resulting messages (see :mod:`bot.delivery`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import actions, parsing, render, use_cases
from bot.commands import Actor, Command, ShowMe
from bot.delivery import Arrival, Delivery
from bot.directory_import import MemberRecord
from bot.domain import Community, Member
from bot.errors import GiveFirstError
from bot.matching import Candidate
from bot.messages import DirectMessage, Ephemeral, Message, Text
from bot.ports import Chat, Clock, Conflict, DeliveryFailed, StorageUnavailable, UnitOfWork
from bot.scheduler import ChatFor, Scheduler
from bot.use_cases import directory, privacy, profile, scheduled

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]
CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class Handled:
    """What one event produced, for adapters and tests that want to look."""

    messages: tuple[Message, ...]
    error: str | None = None
    chosen: Text | None = None
    """For a button pressed in a direct message and answered: what replaces its
    buttons, so the same question is not answered twice."""


class GiveFirst:
    """The platform-neutral bot."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        concurrent_use_cases: int = 1,
        helpers: use_cases.HelperDirectory | None = None,
    ) -> None:
        self._uow = unit_of_work
        self._clock = clock
        self._helpers = helpers or use_cases.HelperDirectory()
        self._delivery = Delivery(unit_of_work, clock)
        # Use cases are mostly CPU (matching, the ORM) between short database calls.
        # Run one at a time per process: several at once finish no sooner on one event
        # loop, but delay the acknowledgements the platforms wait for. Deliveries (the
        # network) still overlap; more processes add throughput.
        self._use_cases = asyncio.Semaphore(concurrent_use_cases)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def helpers(self) -> use_cases.HelperDirectory:
        """The match indexes this process keeps, shared with its scheduler."""
        return self._helpers

    # --- members' events ------------------------------------------------------------------

    async def slash_command(
        self, actor: Actor, name: str, text_: str, chat: Chat, *, event_key: str | None = None
    ) -> Handled:
        """``/offer``, ``/ask``, … with their text (mentions as ``<@id>``). With
        ``event_key`` (the platform's id of this invocation), a command seen before —
        replayed, or delivered twice — is ignored."""
        try:
            command = parsing.parse(name, text_)
        except GiveFirstError as error:
            return await self._refuse(actor, error, chat)
        return await self.handle(actor, command, chat, event_key=event_key)

    async def button(
        self,
        actor: Actor,
        action: str,
        value: str,
        chat: Chat,
        *,
        label: str = "",
        in_direct_message: bool = False,
    ) -> Handled:
        """A pressed button. One pressed in a direct message settles its question once
        the answer is taken: :attr:`Handled.chosen` says what to show instead."""
        try:
            command = actions.parse_action(action, value)
        except GiveFirstError as error:
            return await self._refuse(actor, error, chat)
        handled = await self.handle(actor, command, chat)
        if handled.error is None and in_direct_message and label:
            return Handled(handled.messages, chosen=render.chosen(label))
        return handled

    async def reaction(
        self,
        actor: Actor,
        channel_id: str,
        message_id: str,
        emoji: str,
        chat: Chat,
        *,
        event_key: str | None = None,
    ) -> Handled:
        """A reaction on a post, by emoji or name (see :mod:`bot.actions`); ignored unless
        the post is one of ours and the reaction means something there. With
        ``event_key``, a reaction event seen before (a platform's retry) is ignored."""
        if actions.reaction_of(emoji) is None:
            return Handled(())
        try:
            async with self._uow() as uow:
                community = await uow.communities.get_by_key(actor.community_key)
                post = (
                    await uow.posts.find(community.id, channel_id, message_id)
                    if community is not None and community.id is not None
                    else None
                )
        except StorageUnavailable as error:
            return await self._unavailable(actor, error, chat)
        if post is None:
            return Handled(())
        command = actions.reaction_command(emoji, post.subject)
        if command is None:
            return Handled(())
        return await self.handle(actor, command, chat, event_key=event_key)

    async def handle(
        self, actor: Actor, command: Command, chat: Chat, *, event_key: str | None = None
    ) -> Handled:
        """Run a command and deliver what it says. With ``event_key``, the platform's id
        of the event, it is recorded in the command's own transaction, and an event
        seen before is ignored: it takes effect once, on any number of workers."""
        try:
            ran = await self._run(actor, command, event_key)
        except GiveFirstError as error:
            return await self._refuse(actor, error, chat)
        except StorageUnavailable as error:
            return await self._unavailable(actor, error, chat)
        except Exception:
            log.exception("%s failed for %s", type(command).__name__, actor.community_key)
            sorry = render.went_wrong(actor.user_id)
            await self._deliver(None, [sorry], chat, actor)
            return Handled((sorry,), error="internal error")
        if ran is None:
            log.info("ignored %s seen before (%s)", type(command).__name__, event_key)
            return Handled((), error="seen before")
        community, messages = ran
        await self._deliver(community, messages, chat, actor)
        return Handled(tuple(messages))

    async def overview(self, actor: Actor) -> Message:
        """The member's own open offers, asks, pending introductions and pause state,
        for a home screen; nothing is sent."""
        now = self._clock.now()
        async with self._uow() as uow:
            community, member = await self._enter(uow, actor, now)
            ctx = use_cases.Context(uow, now, actor, community, member, self._helpers)
            [overview] = await profile.show_me(ctx, ShowMe())
            await uow.commit()
        return overview

    async def first_time(self, event_key: str) -> bool:
        """True the first time a platform event id is seen, across all workers."""
        async with self._uow() as uow:
            fresh = await uow.events.first_time(event_key, self._clock.now())
            await uow.commit()
        return fresh

    # --- scheduled work and operators' errands ---------------------------------------------

    async def run_due_work(self, chat_for: ChatFor) -> int:
        """Do all scheduled work that is due now, through the outbox (see
        :mod:`bot.scheduler`), without pacing; returns messages sent."""
        scheduler = Scheduler(self._uow, self._clock, min_interval=0, helpers=self._helpers)
        return (await scheduler.tick(chat_for)).sent

    async def community(self, key: str) -> Community | None:
        async with self._uow() as uow:
            return await uow.communities.get_by_key(key)

    async def import_members(
        self, community_key: str, records: Sequence[MemberRecord]
    ) -> directory.ImportSummary:
        """Create or update members and their offers from a validated directory file."""
        async with self._uow() as uow:
            summary = await directory.import_directory(
                uow, community_key, records, self._clock.now()
            )
            await uow.commit()
        return summary

    async def match(
        self, community_key: str, asks: Sequence[str], *, top: int
    ) -> list[list[tuple[Member, Candidate]]]:
        """Who would be suggested for each ask right now, best first."""
        now = self._clock.now()
        async with self._uow() as uow:
            return [
                await directory.match_text(uow, self._helpers, community_key, ask, now, top=top)
                for ask in asks
            ]

    async def counts(self, community_key: str | None = None) -> list[dict[str, Any]]:
        """Anonymous counts per community (or that community alone)."""
        async with self._uow() as uow:
            return await directory.community_counts(uow, community_key)

    async def digest_preview(
        self, community_key: str, *, days: int = 7
    ) -> tuple[Community, Message] | None:
        """The community's digest of the last ``days`` days, as it would be posted now;
        None if there is no such community."""
        now = self._clock.now()
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(community_key)
            if community is None:
                return None
            digest = await scheduled.digest_for(uow, community, now - timedelta(days=days), now)
        return community, digest.message

    async def forget_community(self, key: str) -> bool:
        """Erase everything personal a community holds (an operator's action, say when a
        workspace leaves): every member as by forget-me, and the community's name and
        settings; only anonymous counts remain. False if there is no such community.

        Rows stay rather than being deleted, so their ids, which scheduled work is
        claimed by, are never given to new rows (SQLite reuses the highest)."""
        now = self._clock.now()
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(key)
            if community is None or community.id is None:
                return False
            for member in await uow.members.list(community.id):
                if member.forgotten_at is None:
                    # Their posts are left: the bot may no longer be there to remove them.
                    await privacy.erase_member(uow, community, member, now)
            community.forget()
            await uow.commit()
        log.info("erased the data of community %s", key)
        return True

    # --- inside ---------------------------------------------------------------------------

    async def _run(
        self, actor: Actor, command: Command, event_key: str | None = None
    ) -> tuple[Community, list[Message]] | None:
        """Run a use case in one transaction, again if a concurrent event got in first;
        None if ``event_key`` was recorded before."""
        handler = use_cases.HANDLERS[type(command)]
        for attempt in range(1, CONFLICT_RETRIES + 1):
            now = self._clock.now()
            try:
                async with self._use_cases, self._uow() as uow:
                    if event_key is not None and not await uow.events.first_time(event_key, now):
                        return None
                    community, member = await self._enter(uow, actor, now)
                    ctx = use_cases.Context(uow, now, actor, community, member, self._helpers)
                    messages = await handler(ctx, command)
                    messages += profile.recheck_direct_messages(ctx, messages)
                    await uow.commit()
                return community, messages
            except Conflict:
                if attempt == CONFLICT_RETRIES:
                    raise
                log.info("retrying %s after a concurrent change", type(command).__name__)
        raise AssertionError("unreachable")

    async def _enter(
        self, uow: UnitOfWork, actor: Actor, now: datetime
    ) -> tuple[Community, Member]:
        community = await uow.communities.get_by_key(actor.community_key)
        if community is None:
            community = Community(
                key=actor.community_key, name=actor.community_name, created_at=now
            )
            await uow.communities.add(community)
        assert community.id is not None
        member = await uow.members.get_by_platform_id(community.id, actor.user_id)
        if member is None:
            member = Member(
                community_id=community.id,
                platform_user_id=actor.user_id,
                display_name=actor.display_name or actor.fallback_name or None,
                joined_at=now,
                timezone=actor.timezone,
            )
            await uow.members.add(member)
        else:
            if actor.display_name and member.display_name != actor.display_name:
                member.display_name = actor.display_name
            if actor.timezone and member.timezone != actor.timezone:
                member.timezone = actor.timezone
        return community, member

    async def _refuse(self, actor: Actor, error: GiveFirstError, chat: Chat) -> Handled:
        reply = render.reply(actor.user_id, error.message)
        await self._deliver(None, [reply], chat, actor)
        return Handled((reply,), error=error.message)

    async def _unavailable(self, actor: Actor, error: StorageUnavailable, chat: Chat) -> Handled:
        """The database is out of reach: nothing was changed; the member is told to try
        again shortly, rather than left in silence."""
        log.warning("could not reach the database for %s: %s", actor.community_key, error)
        reply = render.could_not_save(actor.user_id)
        await self._deliver(None, [reply], chat, actor)
        return Handled((reply,), error="storage unavailable")

    async def _deliver(
        self, community: Community | None, messages: Sequence[Message], chat: Chat, actor: Actor
    ) -> None:
        """Send each message on its own, so one that fails never keeps the others (the
        member's own reply above all) from going out; then record what arrived."""
        channel = (community.channel_id if community else None) or actor.channel_id
        arrivals: list[Arrival] = []
        for msg in messages:
            try:
                arrivals.append(await self._delivery.send(msg, community, chat, channel=channel))
            except DeliveryFailed as failure:
                log.warning("could not deliver to %s: %s", msg.to, failure)
                if (partly := Arrival.partly(msg, failure)) is not None:
                    arrivals.append(partly)
                await self._undeliverable(community, msg, failure, chat, actor)
            except StorageUnavailable as error:
                log.warning("could not revise the posts of %s: %s", msg.subject, error)
            except Exception:
                log.exception("delivering a message to %s failed", msg.to)
        try:
            await self._delivery.record_now(community, arrivals)
        except StorageUnavailable as error:
            log.warning("could not record where messages for %s landed: %s", actor.user_id, error)
        except Exception:
            log.exception("could not record where messages for %s landed", actor.community_key)

    async def _undeliverable(
        self,
        community: Community | None,
        msg: Message,
        failure: DeliveryFailed,
        chat: Chat,
        actor: Actor,
    ) -> None:
        if community is not None and community.id is not None and isinstance(msg.to, DirectMessage):
            try:
                async with self._uow() as uow:
                    await self._delivery.mark_unreachable(uow, community.id, failure, msg)
                    await uow.commit()
            except StorageUnavailable as error:
                log.warning("could not mark %s unreachable: %s", msg.to, error)
        if isinstance(msg.to, Ephemeral):
            return
        try:
            await chat.send(render.undeliverable(failure, msg, actor.user_id), default_channel=None)
        except DeliveryFailed:
            log.warning("could not tell %s about an undeliverable message", actor.user_id)
