"""The way back to the platform: the port each adapter implements, and what a
delivery can report."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.messages import Message


class DeliveryProblem(enum.StrEnum):
    DM_CLOSED = "dm_closed"
    NOT_IN_CHANNEL = "not_in_channel"
    CHANNEL_NOT_FOUND = "channel_not_found"
    MISSING_PERMISSION = "missing_permission"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    OTHER = "other"

    @property
    def is_transient(self) -> bool:
        """Worth trying again later as it is (the platform was busy or down)."""
        return self in (DeliveryProblem.RATE_LIMITED, DeliveryProblem.UNAVAILABLE)


class DeliveryFailed(Exception):
    """The platform refused a message, for a reason someone can fix or (if
    :attr:`DeliveryProblem.is_transient`) one that passes; ``retry_after`` is the
    platform's hint in seconds, when it gave one. ``users`` names the members a
    message could not reach when it reached others (empty: nobody was reached)."""

    def __init__(
        self,
        problem: DeliveryProblem,
        detail: str = "",
        *,
        retry_after: float | None = None,
        users: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail
        self.retry_after = retry_after
        self.users = users


@dataclass(frozen=True)
class SendOnce:
    """What makes a scheduled message the same message on every attempt to send it,
    so a platform that can tell may keep it from arriving twice."""

    key: str
    """The message's outbox key, the same on every attempt."""
    since: datetime
    """When it was decided on: it cannot have arrived before."""
    retry: bool = False
    """An earlier attempt may have reached the platform (its sender died, or lost
    the platform's answer): look before sending again, where the platform can."""


@dataclass(frozen=True)
class PostRef:
    """Where a channel post landed, so later reactions and updates can find it."""

    channel_id: str
    message_id: str


class Chat(Protocol):
    """The way back to the platform, implemented by each adapter.

    An adapter builds one per incoming event (so ephemeral replies reach the
    right person in the right place) and one without a reply context for
    scheduled work, which sends only DMs and channel posts.
    """

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        """Deliver a message; return where a channel post landed (None otherwise).

        ``once`` comes with scheduled messages: where the platform allows, the same
        ``once.key`` never makes two messages (Discord's nonces; on Slack the key is
        attached as message metadata, and looked for before a ``retry``).

        Raises :class:`DeliveryFailed` for problems worth telling someone about.
        """
        ...

    async def update(self, ref: PostRef, message: Message) -> None: ...
    async def delete(self, ref: PostRef) -> None: ...
