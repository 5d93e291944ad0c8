"""One community's directory: everyone who could help there, as of a revision, with
the indexes a search reads (words, vectors, waiting and public asks).
:class:`bot.directory.HelperDirectory` reads it and keeps it current."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime

from bot.directory.passes import SharedPasses
from bot.domain.directory import FieldKind, FieldVector, HelperRecord, WaitingAsk
from bot.matching import HelperProfile, MatchIndex, OfferText, calibration
from bot.matching.hybrid import HybridSearch, LexicalSearch, Search
from bot.matching.pay_it_forward import AsksBySkill
from bot.matching.vectors import AskVectors, VectorIndex
from bot.skills import Vocabulary

MEANING_READY = 0.9
"""Share of the members with words who need vectors of the model in use before a
search uses them: until then (after a model change, or an import made without the
model) the words alone rank everyone alike."""


@dataclass
class CommunityDirectory:
    """Everyone who could help in one community, as of a revision."""

    key: str
    revision: int
    vocabulary: Vocabulary
    dimensions: int | None
    unreachable: set[int] = field(default_factory=set)
    """Members nobody may be introduced to, whatever the day: erased, without an
    account, or with closed DMs (see :mod:`bot.domain.pairing`)."""
    paused: dict[int, datetime] = field(default_factory=dict)
    closed_dms: set[str] = field(default_factory=set)
    """The platform ids of members whose direct messages were found closed."""
    waiting: dict[int, WaitingAsk] = field(default_factory=dict)
    """Asks still looking for a helper."""

    def __post_init__(self) -> None:
        self.words = MatchIndex(self.vocabulary)
        self.vectors = VectorIndex(self.dimensions) if self.dimensions else None
        self.passes = SharedPasses(self.vectors) if self.vectors is not None else None
        """In a large community, the searches' passes over every profile (see
        :mod:`bot.directory.passes`)."""
        self.ask_vectors = AskVectors(self.dimensions) if self.dimensions else None
        self.public_asks = AsksBySkill(self.vocabulary)
        """Open asks everyone may see, by skill: what a member could pay forward."""
        self.with_words: set[int] = set()
        """Members with skills, a bio or an open offer: those who should have vectors."""
        self.confident_margin = calibration.DEFAULT
        """How far the best member must stand out here (see :meth:`calibrate`)."""
        self.calibrated_at: float | None = None
        self._by_words = LexicalSearch(self.words)
        self._hybrid = HybridSearch(self.words, self.vectors) if self.vectors is not None else None

    def calibrate(self, margin: float, at: float) -> None:
        """Suggest with confidence when the best member leads by ``margin`` (see
        :mod:`bot.matching.calibration`); ``at``, a monotonic time."""
        self.confident_margin, self.calibrated_at = margin, at
        if self.vectors is not None:
            self._hybrid = HybridSearch(self.words, self.vectors, margin=margin)

    @property
    def search(self) -> Search:
        """Meaning and words together once enough members have vectors of the model in
        use (see :data:`MEANING_READY`), else the words alone."""
        return self._hybrid if self._hybrid is not None and self.meaning_ready() else self._by_words

    def meaning_ready(self) -> bool:
        """Whether enough members have vectors for a search by meaning to be fair."""
        if self.vectors is None:
            return False
        return len(self.vectors) >= MEANING_READY * len(self.with_words)

    def away(self, now: datetime) -> Container[int]:
        """Members who cannot be asked to help anyone now."""
        return _Away(self.unreachable, self.paused, now)

    def apply(self, records: tuple[HelperRecord, ...]) -> None:
        # A member's last record wins; one who is gone has no vectors (none removes).
        fields = {record.member_id: self._put(record) or [] for record in records}
        if self.vectors is not None:
            self.vectors.put_many(list(fields.items()))  # together: half the cost

    def apply_asks(self, asks: tuple[WaitingAsk, ...]) -> None:
        for ask in asks:
            if ask.waiting:
                self.waiting[ask.ask_id] = ask
                if self.ask_vectors is not None:
                    self.ask_vectors.put(ask.ask_id, ask.vector)
            else:
                self.waiting.pop(ask.ask_id, None)
                if self.ask_vectors is not None:
                    self.ask_vectors.remove(ask.ask_id)
            if ask.is_open and not ask.private:
                self.public_asks.put(ask.ask_id, ask.member_id, ask.text)
            else:
                self.public_asks.remove(ask.ask_id)

    def _put(self, record: HelperRecord) -> list[FieldVector] | None:
        """Take in a member's record, but for their field vectors, returned to be put
        (None: the member is gone from the indexes, their vectors too)."""
        member = record.member_id
        obstacle_free = not (record.forgotten or record.platform_user_id is None)
        if obstacle_free and not record.dm_closed:
            self.unreachable.discard(member)
        else:
            self.unreachable.add(member)
        if record.platform_user_id is not None:
            if record.dm_closed:
                self.closed_dms.add(record.platform_user_id)
            else:
                self.closed_dms.discard(record.platform_user_id)
        if record.paused_until is not None:
            self.paused[member] = record.paused_until
        else:
            self.paused.pop(member, None)
        if record.platform_user_id is None:
            self.words.remove(member)
            self.with_words.discard(member)
            if self.vectors is not None:
                self.vectors.remove(member)
            return None
        if record.skills or record.bio or record.offers:
            self.with_words.add(member)
        else:
            self.with_words.discard(member)
        self.words.upsert(
            HelperProfile(
                member_id=member,
                name=record.name,
                skills=record.skills,
                bio=record.bio or "",
                offers=tuple(OfferText(offer_id, text) for offer_id, text in record.offers),
                timezone=record.timezone,
            )
        )
        open_offers = {offer_id for offer_id, _ in record.offers}
        return [
            v for v in record.vectors if v.kind is not FieldKind.OFFER or v.owner_id in open_offers
        ]


@dataclass(frozen=True)
class _Away:
    unreachable: set[int]
    paused: dict[int, datetime]
    now: datetime

    def __contains__(self, member: object) -> bool:
        if member in self.unreachable:
            return True
        until = self.paused.get(member) if isinstance(member, int) else None
        return until is not None and until > self.now
