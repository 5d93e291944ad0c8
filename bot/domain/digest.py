"""What a week's digest may mention, as storage reads it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.introductions import Introduction
from bot.domain.members import Member
from bot.domain.offers_and_asks import Ask, Offer
from bot.domain.records import Thanks


@dataclass(frozen=True)
class DigestFacts:
    """Everything the digest may mention, already loaded from storage."""

    since: datetime
    until: datetime
    members: dict[int, Member]
    offers: Sequence[Offer]
    open_asks: Sequence[Ask]
    """Open asks still looking for a helper: none introduced, or their introduction did
    not work out."""
    introductions: Sequence[Introduction]
    thanks: Sequence[Thanks]
    private_askers: frozenset[int] = frozenset()
    """Members who asked privately during the week: a newcomer among them is not
    welcomed by name, which would tell the channel what their first week held."""
