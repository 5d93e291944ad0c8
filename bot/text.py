"""Checking and cleaning what members type, before anything is stored.

Every rule here is deliberate: control characters and invisible direction
overrides are removed (they can disguise text), with the rest of a terminal's colour
codes pasted along, bytes that were not UTF-8 become
U+FFFD (the replacement character), right-to-left scripts and
emoji are kept as typed, and mass mentions (``@everyone``, ``@here``, ``@channel``:
each adapter turns its platform's own form into these words) are
kept as words: adapters show member text literally, so they never ping anyone,
and the author is told so.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from bot.errors import InvalidInput

MAX_POST_LENGTH = 1000
MAX_NOTE_LENGTH = 500

# Bidi embeddings, overrides and isolates: invisible, and able to make text read
# differently from how it is stored. ZWJ/ZWNJ stay: emoji and Persian need them.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# Terminal colour and cursor codes pasted from a shell: their ESC goes with the other
# control characters, and what follows it ("[31m") would be left in the text.
_TERMINAL_CODE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_MASS_MENTION = re.compile(r"(?<![\w@])@(everyone|here|channel)\b", re.IGNORECASE)
_MENTION = re.compile(r"<[@#!][^<>\s]*>")
"""A member or channel mentioned, as the core holds it (``<@U123>``, ``<#C1>``)."""
_BLANK_LINES = re.compile(r"\n{3,}")
_SURROGATES = re.compile("[\ud800-\udfff]")
"""What bytes that were not UTF-8 become when read leniently (or a JSON ``\\udcff``):
not text, and refused by the database; each becomes U+FFFD, as a decoder replaces them."""


def without_terminal_codes(raw: str) -> str:
    """The text without the colour and cursor codes a terminal pasted along: the ESC
    and what follows it ("[31m"), which removing control characters alone leaves."""
    return _TERMINAL_CODE.sub("", raw) if "\x1b" in raw else raw


def clean(raw: str) -> str:
    """Normalise text: NFC, no control or bidi-override characters, U+FFFD for what
    was not UTF-8, tidy whitespace."""
    raw = without_terminal_codes(raw)
    text = unicodedata.normalize("NFC", _SURROGATES.sub("\ufffd", raw)).translate(_BIDI_CONTROLS)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def has_mass_mention(text: str) -> bool:
    """Whether the text tries to notify a whole channel (it won't: we show it literally)."""
    return _MASS_MENTION.search(text) is not None


SUMMARY_ADVICE = "A short summary works best — the details can go in the conversation."


def checked(
    raw: str,
    *,
    what: str,
    example: str,
    limit: int = MAX_POST_LENGTH,
    advice: str = SUMMARY_ADVICE,
    in_words: bool = False,
) -> str:
    """Return cleaned text for an offer, ask or note, or raise with a friendly reason
    (``advice`` says what to do about a text over the limit). ``in_words``: the text
    must hold a letter or a digit besides mentions (an offer or an ask is matched by its
    words; emoji or "@everyone" alone would be matched with whoever uses them)."""
    text = clean(raw)
    if not _visible(text):
        raise InvalidInput(f"Your {what} is empty. Try for example: `{example}`")
    said = _MASS_MENTION.sub("", _MENTION.sub("", text)) if in_words else text
    if in_words and not any(ch.isalnum() for ch in said):
        raise InvalidInput(
            f"Say your {what} in a few words too: I find helpers by what the words say, "
            f"and emoji, punctuation or mentions alone tell me too little. "
            f"For example: `{example}`"
        )
    if len(text) > limit:
        raise InvalidInput(
            f"Your {what} is {len(text):,} characters long; the limit is {limit:,}. {advice}"
        )
    return text


def _visible(text: str) -> bool:
    """Whether the text shows anything: not only spaces and invisible characters (a
    zero-width space or joiner, a byte-order mark), which a member sees as empty."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def mention_of(user_id: str) -> str:
    """How members' words mention a member once an adapter has handed them over (the
    core's neutral form, ``<@U123>``), and so how they are stored."""
    return f"<@{user_id}>"


def a_name(raw: str) -> str:
    """A name as a platform gives it, made safe to show anywhere: :func:`clean`, on
    one line, at most :data:`NAME_LIMIT` characters."""
    return " ".join(clean(raw).split())[:NAME_LIMIT] if raw else raw


NAME_LIMIT = 80


def shorten(text: str, limit: int = 80) -> str:
    """One line of at most ``limit`` characters, for lists and explanations."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def quotable(typed: str, limit: int = 40) -> str:
    """A member's words (a name, a value they typed) to quote inside givefirst's own
    sentence, where back quotes mark code: short, with no back quote of its own."""
    return shorten(clean(typed).replace("`", "'"), limit)


def day(when: datetime, now: datetime) -> str:
    """A date as a member reads it: "Tue 07 Dec", with the year when it is not this
    one's ("Tue 07 Dec 2027": a year's pause must not look like today)."""
    return f"{when:%a %d %b}" if when.year == now.year else f"{when:%a %d %b %Y}"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 ask``, ``2 asks``, ``0 thank-yous``; ``many`` where adding an s is wrong."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
