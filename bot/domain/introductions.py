"""Introductions: double opt-in pairings of someone who needs help and someone who gives it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.identity import stored_id
from bot.domain.members import Member
from bot.errors import NotAllowed, NotPossible


class IntroStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Party(enum.StrEnum):
    """Whose consent an introduction is waiting for."""

    ASKER = "asker"
    HELPER = "helper"


class Outcome(enum.StrEnum):
    HELPED = "helped"
    NOT_YET = "not_yet"
    DIDNT_WORK = "didnt_work"


@dataclass(eq=False)
class Introduction:
    """A proposed pairing of someone who needs help and someone who can give it.

    Double opt-in: it is created with the consent of whoever started it and
    waits for the other party; nobody is introduced until both have said yes.
    """

    community_id: int
    asker_id: int
    helper_id: int
    awaiting: Party
    reason: str
    requested_at: datetime
    expires_at: datetime
    ask_id: int | None = None
    offer_id: int | None = None
    status: IntroStatus = IntroStatus.PENDING
    decided_at: datetime | None = None
    follow_up_due_at: datetime | None = None
    follow_up_sent_at: datetime | None = None
    outcome: Outcome | None = None
    outcome_at: datetime | None = None
    reminded_at: datetime | None = None
    expired_at: datetime | None = None
    """When it last expired unanswered, kept if it is made again (see :meth:`ask_again`)."""
    id: int | None = None

    @property
    def is_pending(self) -> bool:
        return self.status is IntroStatus.PENDING

    @property
    def remind_at(self) -> datetime:
        """Halfway to expiry: when the awaited member gets one reminder."""
        return self.requested_at + (self.expires_at - self.requested_at) / 2

    def follow_up_is_due(self, now: datetime) -> bool:
        """Whether "Did it help?" is to be asked now: the introduction was made, the
        question's time has come and it was not asked since, and the asker has not
        said how it went (or said "Not yet")."""
        return (
            self.status is IntroStatus.ACCEPTED
            and self.follow_up_due_at is not None
            and self.follow_up_due_at <= now
            and self.follow_up_sent_at is None
            and self.outcome in (None, Outcome.NOT_YET)
        )

    def needs_reminder(self, now: datetime) -> bool:
        return (
            self.is_pending and self.reminded_at is None and self.remind_at <= now < self.expires_at
        )

    @property
    def request_key(self) -> str:
        """This request, as scheduled work claims it: a request made again after it
        expired is reminded of and expires anew."""
        return f"{stored_id(self)}@{int(self.requested_at.timestamp())}"

    def ask_again(self, awaiting: Party, reason: str, now: datetime, expiry_days: int) -> None:
        """Make again a request that expired unanswered (the member may have been away)."""
        if self.status is not IntroStatus.EXPIRED:
            raise NotPossible(f"This introduction was already {self.status.value}.")
        self.status = IntroStatus.PENDING
        self.awaiting = awaiting
        self.reason = reason
        self.requested_at = now
        self.expires_at = now + timedelta(days=expiry_days)
        self.decided_at = None
        self.reminded_at = None

    def awaited_member_id(self) -> int:
        return self.helper_id if self.awaiting is Party.HELPER else self.asker_id

    def involves(self, member_id: int | None) -> bool:
        return member_id in (self.asker_id, self.helper_id)

    def partner_of(self, member_id: int) -> int:
        return self.helper_id if member_id == self.asker_id else self.asker_id

    def _ensure_answerable_by(self, member: Member, now: datetime) -> None:
        if self.status is IntroStatus.CANCELLED:
            raise NotPossible("No need to answer any more: this request was withdrawn.")
        if self.status is not IntroStatus.PENDING:
            raise NotPossible(f"This introduction was already {self.status.value}.")
        if member.id != self.awaited_member_id():
            raise NotAllowed("This introduction is waiting for someone else's answer.")
        if now >= self.expires_at:
            raise NotPossible("This request has expired — nobody was introduced.")

    def accept(self, member: Member, now: datetime, follow_up_days: int) -> None:
        self._ensure_answerable_by(member, now)
        self.status = IntroStatus.ACCEPTED
        self.decided_at = now
        self.follow_up_due_at = now + timedelta(days=follow_up_days)

    def decline(self, member: Member, now: datetime) -> None:
        self._ensure_answerable_by(member, now)
        self.status = IntroStatus.DECLINED
        self.decided_at = now

    def withdraw(self) -> None:
        """Nothing waits for an answer any more: the ask it was about is solved or
        closed. Nobody decided (as the health figures count answers)."""
        self.status = IntroStatus.CANCELLED

    def expire(self, now: datetime) -> None:
        self.status = IntroStatus.EXPIRED
        self.decided_at = now
        self.expired_at = now  # kept if it is made again: the health figures count it

    def record_outcome(self, member: Member, outcome: Outcome, now: datetime) -> None:
        if member.id != self.asker_id:
            raise NotAllowed("Only the person who asked for help can say how it went.")
        if self.status is not IntroStatus.ACCEPTED:
            raise NotPossible("That introduction never happened, so there is nothing to report.")
        self.outcome = outcome
        self.outcome_at = now
