"""Matching asks to helpers: relevance from skills, offers and bios, then fair turns."""

from bot.matching.index import MatchIndex
from bot.matching.pay_it_forward import asks_member_could_answer
from bot.matching.profiles import Candidate, HelperProfile, MatchContext, OfferText

__all__ = [
    "Candidate",
    "HelperProfile",
    "MatchContext",
    "MatchIndex",
    "OfferText",
    "asks_member_could_answer",
]
