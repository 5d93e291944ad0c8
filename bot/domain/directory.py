"""What the helper directory reads: the members who could help, the asks still looking
for a helper, and the vectors of their words, as plain values."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.members import member_name
from bot.domain.pairing import Obstacle, helper_obstacle


class FieldKind(enum.StrEnum):
    """Which of a member's words a vector stands for."""

    SKILLS = "skills"
    BIO = "bio"
    OFFER = "offer"
    ASK = "ask"


def field_key(kind: FieldKind, owner_id: int) -> str:
    """The key of a field's vector: the member for skills and bio, else the offer or ask."""
    return f"{kind.value}:{owner_id}"


@dataclass(frozen=True, slots=True)
class FieldVector:
    """One field's vector: int8 components and the scale that turns them back."""

    key: str
    text_hash: str
    components: bytes
    scale: float

    @property
    def kind(self) -> FieldKind:
        return FieldKind(self.key.partition(":")[0])

    @property
    def owner_id(self) -> int:
        return int(self.key.partition(":")[2])


@dataclass(frozen=True)
class HelperRecord:
    """What matching needs of one member and their open offers, read as plain values."""

    member_id: int
    platform_user_id: str | None
    display_name: str | None
    skills: tuple[str, ...]
    bio: str | None
    timezone: str | None
    paused_until: datetime | None
    forgotten: bool
    dm_closed: bool
    """A direct message to them failed because their DMs are closed."""
    offers: tuple[tuple[int, str], ...]
    """Open offers as (id, text), oldest first."""
    vectors: tuple[FieldVector, ...] = ()
    """The vectors of their skills, bio and open offers, of the model asked for."""

    @property
    def name(self) -> str:
        return member_name(self.display_name, self.platform_user_id, forgotten=self.forgotten)

    def obstacle(self, now: datetime) -> Obstacle | None:
        """Why they cannot be asked to help anyone now, if they cannot
        (see :func:`bot.domain.pairing.helper_obstacle`)."""
        return helper_obstacle(
            paused_until=self.paused_until,
            forgotten=self.forgotten,
            has_account=self.platform_user_id is not None,
            dm_closed=self.dm_closed,
            now=now,
        )


@dataclass(frozen=True)
class WaitingAsk:
    """An ask as the directory keeps it: one nobody was found for yet, so a new offer
    can be checked against it, and any open one everyone may see, so a member who was
    helped finds those they could answer."""

    ask_id: int
    member_id: int
    text: str
    skills: tuple[str, ...]
    waiting: bool
    """Still open and still looking for a helper; False once it found one or closed."""
    vector: FieldVector | None = None
    private: bool = False
    """Seen by its author alone (and by those they are introduced to)."""
    is_open: bool = True
    """Neither solved nor closed (``waiting`` or not)."""


@dataclass(frozen=True)
class DirectoryChanges:
    """What changed in a community's directory between two revisions."""

    revision: int
    helpers: tuple[HelperRecord, ...]
    asks: tuple[WaitingAsk, ...]


@dataclass(frozen=True)
class MissingVector:
    """A field whose vector is missing or out of date (another model, changed text, a
    new alias in it)."""

    community_id: int
    member_id: int
    key: str
    text: str
    """As the sentence model reads it (see :meth:`Vocabulary.read_for_meaning`)."""
