"""A community: one Slack workspace, Discord server or console session, and its settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.rounds import DEFAULT_ROUND_HOUR, DEFAULT_ROUND_SIZE, DEFAULT_ROUND_WINDOW

DEFAULT_CAPACITY = 2
DEFAULT_INTRO_EXPIRY_DAYS = 3
DEFAULT_FOLLOW_UP_DAYS = 7
DEFAULT_STALE_AFTER_DAYS = 30
RELEVANCE_ANSWER_DAYS = 7


@dataclass(eq=False)
class Community:
    """One Slack workspace, Discord server or console session, keyed like ``slack:T0123``."""

    key: str
    name: str = ""
    channel_id: str | None = None
    admin_ids: list[str] = field(default_factory=list)
    digest_weekday: int = 0
    digest_hour: int = 9
    timezone: str = "UTC"
    skip_quiet_weeks: bool = True
    capacity: int = DEFAULT_CAPACITY
    intro_expiry_days: int = DEFAULT_INTRO_EXPIRY_DAYS
    follow_up_days: int = DEFAULT_FOLLOW_UP_DAYS
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    aliases: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    directory_revision: int = 0
    """Counts the committed changes to what matching reads here (see the helper
    directory): a process that has seen this revision has nothing new to read."""
    rounds_every_weeks: int = 0
    """Give-first rounds every this many weeks; 0 while they are off."""
    rounds_weekday: int = 0
    rounds_hour: int = DEFAULT_ROUND_HOUR
    rounds_size: int = DEFAULT_ROUND_SIZE
    rounds_window: int = DEFAULT_ROUND_WINDOW
    rounds_since: datetime | None = None
    """When the rounds' schedule was set: the first round is the first slot after it."""
    id: int | None = None

    @property
    def rounds_on(self) -> bool:
        return self.rounds_every_weeks > 0

    def is_admin(self, platform_user_id: str, *, platform_admin: bool) -> bool:
        return platform_admin or platform_user_id in self.admin_ids

    def forget(self) -> None:
        """Erase its name and settings (its members are erased one by one); the row
        stays, keyed as before, holding only anonymous counts."""
        defaults = Community(key=self.key)
        self.name, self.channel_id, self.admin_ids = "", None, []
        self.aliases = {}
        self.digest_weekday, self.digest_hour = defaults.digest_weekday, defaults.digest_hour
        self.timezone = defaults.timezone
        self.rounds_every_weeks = 0
