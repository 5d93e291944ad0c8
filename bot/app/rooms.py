"""What the door's rooms share: storage, the clock, the helper directory, the model,
and how a use case's context is made of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import use_cases
from bot.commands import Actor
from bot.directory import HelperDirectory
from bot.domain import Community, Member
from bot.metrics import Metrics
from bot.ports import Clock, TextEncoder, UnitOfWork
from bot.sign_in import DashboardAccess

UnitOfWorkFactory = Callable[[], UnitOfWork]


class Rooms:
    """The state every part of :class:`bot.app.GiveFirst` works with."""

    _uow: UnitOfWorkFactory
    _reading: UnitOfWorkFactory
    """Units of work that only read, where the storage has a cheaper kind."""
    _clock: Clock
    _encoder: TextEncoder | None
    _helpers: HelperDirectory
    _dashboard: DashboardAccess
    _metrics: Metrics

    def _context(
        self,
        uow: UnitOfWork,
        now: datetime,
        actor: Actor,
        community: Community,
        member: Member,
        encoder: TextEncoder | None = None,
        ahead: use_cases.Ahead | None = None,
    ) -> use_cases.Context:
        return use_cases.Context(
            uow,
            now,
            actor,
            community,
            member,
            self._helpers,
            encoder=encoder or self._encoder,
            dashboard=self._dashboard,
            ahead=ahead or use_cases.Ahead(),
        )
