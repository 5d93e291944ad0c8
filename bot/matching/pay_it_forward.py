"""Pay it forward: after someone was helped, the open asks they could answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import count

from bot.matching.profiles import HelperProfile
from bot.skills import Vocabulary
from bot.skills.vocabulary import RELATED_WEIGHT

_DECLARED_OR_OFFERED = 1.0
_FROM_BIO = 0.6


class AsksBySkill:
    """Open asks by the skills they name or clearly hint at, so the asks a member could
    answer are found from their own skills, whatever the number of asks. A merely
    linked skill is not enough to qualify."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self._vocabulary = vocabulary
        self._by_skill: dict[str, dict[int, float]] = {}
        self._asks: dict[int, tuple[int, int, tuple[str, ...]]] = {}
        """Each ask's author, place in line and skills."""
        self._places = count()

    def __len__(self) -> int:
        return len(self._asks)

    def put(self, ask_id: int, author_id: int, text: str) -> None:
        known = self._asks.get(ask_id)
        self.remove(ask_id)
        strong = {
            skill: weight
            for skill, weight in self._vocabulary.skill_weights(text).items()
            if weight >= RELATED_WEIGHT
        }
        for skill, weight in strong.items():
            self._by_skill.setdefault(skill, {})[ask_id] = weight
        place = known[1] if known is not None else next(self._places)
        self._asks[ask_id] = (author_id, place, tuple(strong))

    def remove(self, ask_id: int) -> None:
        known = self._asks.pop(ask_id, None)
        if known is None:
            return
        for skill in known[2]:
            asks = self._by_skill[skill]
            del asks[ask_id]
            if not asks:
                del self._by_skill[skill]

    def fitting(self, member: HelperProfile, top: int = 3) -> list[int]:
        """Ids of the asks by others this member's skills fit best; equally good asks
        keep the order they were put in (oldest first, when put in that order)."""
        fit: dict[int, float] = {}
        for skill, strength in member_skill_strengths(member, self._vocabulary).items():
            for ask_id, weight in self._by_skill.get(skill, {}).items():
                fit[ask_id] = fit.get(ask_id, 0.0) + weight * strength
        ranked = sorted(
            (ask_id for ask_id in fit if self._asks[ask_id][0] != member.member_id),
            key=lambda ask_id: (-fit[ask_id], self._asks[ask_id][1]),
        )
        return ranked[: max(top, 0)]


def asks_member_could_answer(
    member: HelperProfile,
    open_asks: Sequence[tuple[int, str]],
    vocabulary: Vocabulary,
    top: int = 3,
) -> list[int]:
    """Ids of the open asks (``(ask_id, text)``) this member's skills fit best (see
    :class:`AsksBySkill`), in the order given among equals."""
    asks = AsksBySkill(vocabulary)
    for ask_id, text in open_asks:
        asks.put(ask_id, -1, text)
    return asks.fitting(member, top)


def member_skill_strengths(member: HelperProfile, vocabulary: Vocabulary) -> Mapping[str, float]:
    """The member's skills with how sure we are of each: declared or offered, or in the bio."""
    strengths = dict.fromkeys(vocabulary.extract(member.bio), _FROM_BIO)
    for offer in member.offers:
        strengths.update(dict.fromkeys(vocabulary.extract(offer.text), _DECLARED_OR_OFFERED))
    for skill in member.skills:  # stored canonical, as the word index reads them
        canonical = skill if skill in vocabulary else vocabulary.normalise(skill)
        strengths[canonical] = _DECLARED_OR_OFFERED
    return strengths
