"""The one door adapters and the command line talk to: commands, buttons and reactions
in, messages out; the operator's errands (import, match, digest preview, erase); and
how the community is doing, for its admins' dashboard.

``GiveFirst`` runs one use case per event inside one unit of work, commits, and only
then delivers the resulting messages (see :mod:`bot.delivery`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from bot import actions, parsing, render, use_cases
from bot.app.dashboard import Dashboard
from bot.app.errands import Errands
from bot.app.home import Home
from bot.app.profiles import actor_for, keep_up
from bot.commands import Actor, Command
from bot.delivery import Delivery
from bot.directory import HelperDirectory
from bot.domain import Community, Member
from bot.errors import GiveFirstError, NotAllowed, NotFound
from bot.messages import Ephemeral, Message, Span, Text
from bot.metrics import Metrics, NoMetrics
from bot.ports import (
    Chat,
    Clock,
    Conflict,
    DeliveryFailed,
    StorageUnavailable,
    TextEncoder,
    UnitOfWork,
)
from bot.scheduler import ChatFor, Scheduler
from bot.sign_in import DashboardAccess
from bot.use_cases import profile
from bot.use_cases.helpers import EncodedAhead

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]
CONFLICT_RETRIES = 3
CONCURRENT_EVENTS = 4
"""Events whose use case is prepared or run at once; the others wait their turn (their
acknowledgement has gone out). Sending what they say is not counted: it waits on the
platform, and a slow platform must not hold up other members' commands."""


@dataclass(frozen=True)
class Handled:
    """What one event produced, for adapters and tests that want to look."""

    messages: tuple[Message, ...]
    error: str | None = None
    chosen: Text | None = None
    """For a button pressed in a direct message and answered: what replaces its
    buttons, so the same question is not answered twice."""


class GiveFirst(Errands, Dashboard, Home):
    """The platform-neutral bot."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        concurrent_use_cases: int = 1,
        concurrent_events: int = CONCURRENT_EVENTS,
        encoder: TextEncoder | None = None,
        dashboard: DashboardAccess | None = None,
        metrics: Metrics | None = None,
        reading: UnitOfWorkFactory | None = None,
    ) -> None:
        """``reading`` makes units of work that only read (the helper directory's), if
        the storage has a cheaper kind for them."""
        self._uow = unit_of_work
        self._reading = reading or unit_of_work
        self._clock = clock
        self._encoder = encoder
        self._helpers = HelperDirectory(
            self._reading,
            model=encoder.model_id if encoder else None,
            dimensions=encoder.dimensions if encoder else None,
        )
        self._dashboard = dashboard or DashboardAccess(public_url=None)
        self._metrics = metrics or NoMetrics()
        self._delivery = Delivery(
            unit_of_work, clock, self._metrics, maybe_closed=self._helpers.maybe_closed
        )
        # Use cases are mostly CPU (matching, the ORM) between short database calls.
        # Run one at a time per process by default: several at once finish no sooner on
        # one event loop, but delay the acknowledgements the platforms wait for (the
        # composition root lets two overlap on a database server, where one's waits for
        # the server leave room for the other). Deliveries (the network) still overlap;
        # more processes add throughput. At most a few events prepare theirs at once
        # (read, encode, rank); their messages go out meanwhile.
        self._use_cases = asyncio.Semaphore(concurrent_use_cases)
        self._working = asyncio.Semaphore(concurrent_events)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def helpers(self) -> HelperDirectory:
        """The helper directory this process keeps, shared with its scheduler."""
        return self._helpers

    @property
    def encoder(self) -> TextEncoder | None:
        """The sentence model in use, if any (see :mod:`bot.matching.hybrid`)."""
        return self._encoder

    @property
    def metrics(self) -> Metrics:
        """Where this process's counts go, for its adapters and scheduler too."""
        return self._metrics

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
            self._metrics.handled("unparsed", "refused")
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
        handled = await self.handle(actor, command, chat, earlier=True)
        settles = action not in actions.LEAVES_BUTTONS
        if handled.error is None and in_direct_message and label and settles:
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
        return await self.handle(actor, command, chat, event_key=event_key, earlier=True)

    async def handle(
        self,
        actor: Actor,
        command: Command,
        chat: Chat,
        *,
        event_key: str | None = None,
        earlier: bool = False,
    ) -> Handled:
        """Run a command and deliver what it says. With ``event_key``, the platform's id
        of the event, it is recorded in the command's own transaction, and an event
        seen before is ignored: it takes effect once, on any number of workers.
        ``earlier``: a button or reaction on something givefirst said before."""
        kind = type(command).__name__
        try:
            ran = await self._run(actor, command, event_key, earlier=earlier)
        except GiveFirstError as error:
            self._metrics.handled(kind, "refused")
            return await self._refuse(actor, error, chat)
        except StorageUnavailable as error:
            return await self._unavailable(actor, error, chat)
        except Exception:
            self._metrics.handled(kind, "failed")
            log.exception("%s failed for %s", type(command).__name__, actor.community_key)
            sorry = render.went_wrong(actor.user_id)
            await self._deliver(None, [sorry], chat, actor)
            return Handled((sorry,), error="internal error")
        if ran is None:
            if event_key is None:
                return Handled(())
            log.info("ignored %s seen before (%s)", kind, event_key)
            return Handled((), error="seen before")
        self._metrics.handled(kind, "done")
        community, messages, follow_ups, member = ran
        await self._deliver(community, messages, chat, actor)
        if use_cases.rereads_words(command):
            await self.read_words_again(actor.community_key)
        for follow_up in follow_ups:
            # Already done and delivered; what follows is a bonus, never a reason to fail.
            try:
                followed = await self._run(actor, follow_up)
            except Exception:
                log.exception("%s failed for %s", type(follow_up).__name__, actor.community_key)
                continue
            if followed is None:
                continue
            community, more, _, _ = followed
            await self._deliver(community, more, chat, actor)
            messages += more
        await keep_up(self._uow, actor, member)  # the member has their answer
        return Handled(tuple(messages))

    # --- scheduled work and operators' errands ---------------------------------------------

    async def run_due_work(self, chat_for: ChatFor, *, community: str | None = None) -> int:
        """Do all scheduled work that is due now, through the outbox (see
        :mod:`bot.scheduler`), without pacing; returns messages sent (with
        ``community``, a community's key, only that community's are sent)."""
        scheduler = Scheduler(
            self._uow,
            self._clock,
            min_interval=0,
            helpers=self._helpers,
            metrics=self._metrics,
            community=community,
        )
        return (await scheduler.tick(chat_for)).sent

    # --- inside ---------------------------------------------------------------------------

    async def _run(
        self, actor: Actor, command: Command, event_key: str | None = None, *, earlier: bool = False
    ) -> tuple[Community, list[Message], list[Command], Member] | None:
        """Run a use case in one transaction, again if a concurrent event got in first,
        once fewer than :data:`CONCURRENT_EVENTS` others are being run; returns its
        messages and the commands to run once it is committed, or None if ``event_key``
        was recorded before or what was worked out ahead leaves nothing to do."""
        async with self._working:
            encoder, ahead = await self._ahead(actor, command)
            if ahead.nothing_to_do:
                return None
            for attempt in range(1, CONFLICT_RETRIES + 1):
                try:
                    return await self._transaction(
                        actor, command, event_key, encoder, ahead, earlier=earlier
                    )
                except Conflict:
                    if attempt == CONFLICT_RETRIES:
                        raise
                    log.info("retrying %s after a concurrent change", type(command).__name__)
        raise AssertionError("unreachable")

    async def _ahead(
        self, actor: Actor, command: Command
    ) -> tuple[TextEncoder | None, use_cases.Ahead]:
        """Before the transaction, what would hold up other members' commands in it: the
        text's vector (in the sentence model's thread) while the directory is brought
        up to date (it reads in transactions of its own), then the ranking."""
        encoding = asyncio.create_task(self._encoder_for(command, actor.community_key))
        try:
            searching = type(command) in use_cases.SEARCHING
            community = await self._helpers.refresh_key(actor.community_key) if searching else None
        except BaseException:
            encoding.cancel()
            await asyncio.gather(encoding, return_exceptions=True)  # its own failure: moot
            raise
        encoder = await encoding
        if community is None:
            return encoder, use_cases.Ahead()
        return encoder, await use_cases.rank_ahead(self._helpers, community, command, encoder)

    async def _transaction(
        self,
        actor: Actor,
        command: Command,
        event_key: str | None,
        encoder: TextEncoder | None,
        ahead: use_cases.Ahead,
        *,
        earlier: bool = False,
    ) -> tuple[Community, list[Message], list[Command], Member] | None:
        actor = await actor_for(actor, command)  # see bot.app.profiles
        now = self._clock.now()
        try:
            async with self._use_cases, self._uow() as uow:
                if event_key is not None and not await uow.events.first_time(event_key, now):
                    return None
                community, member = await use_cases.enter(uow, actor, now)
                ctx = self._context(uow, now, actor, community, member, encoder, ahead)
                try:
                    messages = await use_cases.HANDLERS[type(command)](ctx, command)
                except NotAllowed:  # a button of theirs from before forget-me?
                    if earlier and await use_cases.came_back(uow, member, now):
                        raise NotFound(use_cases.ERASED) from None
                    raise
                messages += profile.recheck_direct_messages(ctx, messages)
                await uow.commit()
        except use_cases.NewMember:  # nothing was saved: again, with the platform's answer
            return await self._transaction(
                await actor.complete(), command, event_key, encoder, ahead, earlier=earlier
            )
        return community, messages, ctx.follow_ups, member

    async def _encoder_for(self, command: Command, community_key: str) -> TextEncoder | None:
        """The sentence model for a command, with the vector of its text already made
        if that text is known now (see :func:`bot.use_cases.words_to_encode`)."""
        texts = use_cases.words_to_encode(command, self._helpers.vocabulary_of(community_key))
        if self._encoder is None or texts is None:
            return self._encoder
        [vector] = await self._encoder.encode([texts[1]])
        return EncodedAhead(self._encoder, *texts, vector)

    async def _refuse(self, actor: Actor, error: GiveFirstError, chat: Chat) -> Handled:
        said = error.said or (error.message,)
        reply = render.reply(actor.user_id, *cast(tuple[str | Span, ...], said))
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
        channel = (community.channel_id if community else None) or actor.channel_id

        def explain(failure: DeliveryFailed, msg: Message) -> Message | None:
            """What to tell the member who acted about a message that did not arrive."""
            if isinstance(msg.to, Ephemeral):
                return None
            return render.undeliverable(failure, msg, actor.user_id)

        # The member who acted hears back first; what else it says follows a moment later.
        first = sorted(messages, key=lambda msg: not isinstance(msg.to, Ephemeral))
        await self._delivery.deliver(first, community, chat, channel=channel, explain=explain)
