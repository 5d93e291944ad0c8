"""Members: people in a community, known by the id their platform gives them."""

from __future__ import annotations

import hashlib
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import NotPossible

FORMER_MEMBER = "a former member"
"""How a member who used forget-me is named, in messages and in others' words."""


def member_name(display_name: str | None, platform_user_id: str | None, *, forgotten: bool) -> str:
    """How a member is named in messages."""
    if forgotten:
        return FORMER_MEMBER
    return display_name or platform_user_id or "a member"


def handle_fingerprint(platform_user_id: str) -> str:
    """What is kept of a forgotten member's platform id, apart from anything else of
    theirs: enough to recognise the id in a member directory imported later, so that
    the import does not bring them back. Whoever knows an id can compute its
    fingerprint, as any list of people not to add again must let them; so it is kept
    with nothing that could join it to the rest (see ``forgotten_handles``)."""
    return hashlib.sha256(f"givefirst forgotten:{platform_user_id}".encode()).hexdigest()


def was_forgotten(platform_user_id: str, fingerprints: Container[str]) -> bool:
    """Whether a platform id, as typed in a file or a command, is among the fingerprints
    of members who used forget-me: in any case, as platforms' ids are (Slack's ``U1AB``
    is ``u1ab`` in a file)."""
    spellings = {platform_user_id, platform_user_id.upper(), platform_user_id.lower()}
    return any(handle_fingerprint(spelled) in fingerprints for spelled in spellings)


@dataclass(eq=False)
class Member:
    """A person in a community, created the first time they talk to the bot."""

    community_id: int
    platform_user_id: str | None
    display_name: str | None
    joined_at: datetime
    timezone: str | None = None
    bio: str | None = None
    skills: list[str] = field(default_factory=list)
    paused_until: datetime | None = None
    public_thanks: bool = True
    dm_closed: bool = False
    dm_checked_at: datetime | None = None
    """When a direct message last tested whether closed DMs had opened again."""
    forgotten_at: datetime | None = None
    first_used_at: datetime | None = None
    """When they first used givefirst themselves (None: imported, thanked or named by
    others, and not yet): the week they are welcomed in."""
    id: int | None = None

    @property
    def mention_id(self) -> str:
        return self.platform_user_id or ""

    @property
    def name(self) -> str:
        return member_name(
            self.display_name, self.platform_user_id, forgotten=self.forgotten_at is not None
        )

    def is_paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now

    def pause(self, now: datetime, days: int) -> None:
        if not 1 <= days <= 365:
            raise NotPossible("Pause for between 1 and 365 days, e.g. `/givefirst pause 14`.")
        self.paused_until = now + timedelta(days=days)

    def resume(self) -> None:
        self.paused_until = None

    def add_skills(self, skills: list[str]) -> list[str]:
        added = list(dict.fromkeys(s for s in skills if s not in self.skills))
        self.skills = [*self.skills, *added]
        return added

    def remove_skills(self, skills: list[str]) -> list[str]:
        removed = [s for s in skills if s in self.skills]
        self.skills = [s for s in self.skills if s not in removed]
        return removed

    def forget(self, now: datetime) -> None:
        """Erase everything that identifies this person; the row stays as an anonymous tombstone."""
        self.platform_user_id = None
        self.display_name = None
        self.timezone = None
        self.bio = None
        self.skills = []
        self.paused_until = None
        self.forgotten_at = now
