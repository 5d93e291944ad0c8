"""Pay it forward: after someone was helped, the open asks they could answer."""

from __future__ import annotations

from collections.abc import Sequence

from bot.matching.profiles import HelperProfile
from bot.skills import Vocabulary
from bot.skills.vocabulary import RELATED_WEIGHT

_DECLARED_OR_OFFERED = 1.0
_FROM_BIO = 0.6


def asks_member_could_answer(
    member: HelperProfile,
    open_asks: Sequence[tuple[int, str]],
    vocabulary: Vocabulary,
    top: int = 3,
) -> list[int]:
    """Ids of the open asks (``(ask_id, text)``) this member's skills fit best.

    Only asks that name or clearly hint at one of the member's skills qualify; a merely
    linked skill is not enough. Equally good asks keep the order they were given in
    (oldest first, when the caller passes them that way).
    """
    strengths = member_skill_strengths(member, vocabulary)
    scored: list[tuple[float, int, int]] = []
    for position, (ask_id, text) in enumerate(open_asks):
        weights = vocabulary.skill_weights(text)
        fit = sum(
            weight * strengths[skill]
            for skill, weight in weights.items()
            if skill in strengths and weight >= RELATED_WEIGHT
        )
        if fit > 0:
            scored.append((-fit, position, ask_id))
    scored.sort()
    return [ask_id for _, _, ask_id in scored[: max(top, 0)]]


def member_skill_strengths(member: HelperProfile, vocabulary: Vocabulary) -> dict[str, float]:
    """The member's skills with how sure we are of each: declared or offered, or in the bio."""
    strengths = dict.fromkeys(vocabulary.extract(member.bio), _FROM_BIO)
    for offer in member.offers:
        strengths.update(dict.fromkeys(vocabulary.extract(offer.text), _DECLARED_OR_OFFERED))
    for skill in member.skills:
        strengths[vocabulary.normalise(skill)] = _DECLARED_OR_OFFERED
    return strengths
