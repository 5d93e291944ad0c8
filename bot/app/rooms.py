"""What the door's rooms share: storage, the clock, the helper directory, the model."""

from __future__ import annotations

from collections.abc import Callable

from bot.directory import HelperDirectory
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
