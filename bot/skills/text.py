"""Turning chat messages into comparable words.

Members write in chat, with mentions, links, emphasis, emoji, code and the odd
British or American spelling. Everything that compares skills goes through
these functions so that "CVs", "cv" and "*CV*" end up as the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterator, Sequence
from functools import lru_cache

# Mentions of members, channels and everyone carry no skill: in the neutral form
# adapters hand over (``<@id>``, ``<#id>``, ``@here``…), or as Slack's own broadcasts
# (``<!channel>``), typed as they are.
_MENTION = re.compile(r"<[@#!][^>]*>|(?<![\w@])@(?:everyone|here|channel)\b", re.IGNORECASE)
# A link says nothing about what someone needs.
_LINK = re.compile(r"\b(?:https?://|mailto:)\S+")
_SHORTCODE_EMOJI = re.compile(r":[a-z_][a-z0-9_+\-]*:", re.IGNORECASE)
_DOTNET = re.compile(r"(?<![\w.])\.net\b", re.IGNORECASE)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_PIECE = re.compile(
    r"(?P<hashtag>(?<![\w#+&])#[^\W_][\w\-]*)"
    r"|(?P<word>[^\W_]+(?:[+#]+(?!\w))?)"
)
_HASHTAG_SPLIT = re.compile(r"[_\-]+")

_STOPWORD_TEXT = """
    a about above after again against all am an and any anyone anybody anything are aren
    as ask asking at be because been before being below between both but by can cannot
    could couldn d did didn do does doesn doing don down during each else ever every few
    for from further get gets getting got had hadn has hasn have haven having he her here
    hers herself him himself his how i if in into is isn it its itself just ll let lets
    m me might more most much must my myself need needs needed no nor not now of off
    on once only or other our ours ourselves out over own re really s same she should
    shouldn so some someone somebody something t than that the their theirs them
    themselves then there these they this those through to too under until up us ve
    very was wasn we were weren what when where which while who whom why will with
    won would wouldn you your yours yourself yourselves hi hey hello hiya thanks thank
    thx pls please help helping helped anyone's folks everyone guys y'all yall lol
    ok okay yes yeah also like want wanted wanting looking look know knows knew
    think thought anyway maybe im i'm ive i've gonna wanna kinda sort bit lot lots
    quick quickly question questions advice tips tip idea ideas thing things stuff way
    ways good great best better new one two make making made go going went use using
    used try trying tried keep keeps kept still even already since via per etc e g ie
    eg re next last first time times day days week weeks month months year years
    happy glad love would've could've something's am pm tomorrow yesterday around
    any1 some1 u ur cuz bc tbh imo idk rn asap urgent urgently today tonight
    """

# British and American spellings, and a few common shortenings, compared as one word.
_VARIANTS = {
    "behaviour": "behavior",
    "behavioural": "behavioral",
    "colour": "color",
    "favourite": "favorite",
    "favour": "favor",
    "honour": "honor",
    "humour": "humor",
    "labour": "labor",
    "neighbour": "neighbor",
    "neighbourhood": "neighborhood",
    "analyse": "analyze",
    "analysed": "analyzed",
    "analysing": "analyzing",
    "paralyse": "paralyze",
    "catalyse": "catalyze",
    "centre": "center",
    "theatre": "theater",
    "metre": "meter",
    "litre": "liter",
    "licence": "license",
    "defence": "defense",
    "offence": "offense",
    "practise": "practice",
    "programme": "program",
    "cheque": "check",
    "tyre": "tire",
    "modelling": "modeling",
    "modelled": "modeled",
    "travelling": "traveling",
    "travelled": "traveled",
    "labelling": "labeling",
    "labelled": "labeled",
    "cancelled": "canceled",
    "counselling": "counseling",
    "counsellor": "counselor",
    "jewellery": "jewelry",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "grey": "gray",
    "aluminium": "aluminum",
    "mum": "mom",
    "maths": "math",
    "enrol": "enroll",
    "fulfil": "fulfill",
    "plough": "plow",
    "ageing": "aging",
    "judgement": "judgment",
    "aeroplane": "airplane",
    "storey": "story",
    "résumé": "resume",
    "resumé": "resume",
    "ok": "okay",
    "k8": "k8s",
}
# -ise/-isation spellings become -ize/-ization; short words like "rise" are left alone.
_ISE_SUFFIX = re.compile(r"is(e|ed|es|ing|ation|ations|er|ers)$")
# Words whose final "s" is not a plural (acronyms like SaaS and DNS among them).
_NOT_PLURAL_TEXT = """
    kubernetes ios macos js css aws news series species sales always perhaps
    various previous analysis basis thesis diagnosis crisis emphasis hypothesis
    status bonus campus virus census focus corpus us gas bus plus yes this his
    its was has does is as less unless chaos canvas atlas windows
    saas paas iaas faas dbaas daas dns sms mms https cms lms gps os ios macos ads
"""
_NOT_PLURAL = frozenset(_NOT_PLURAL_TEXT.split())


def clean_chat_markup(text: str) -> str:
    """Remove chat markup, keeping the words a member typed.

    Mentions of members, channels and everyone (in the neutral ``<@id>``, ``<#id>`` and
    ``@here`` form each adapter turns its platform's markup into), links, emoji
    shortcodes, and control or direction characters are removed; emphasis marks and
    backticks fall away with the punctuation. What remains is readable text with the
    original casing.
    """
    text = _MENTION.sub(" ", text)
    text = _LINK.sub(" ", text)
    text = _SHORTCODE_EMOJI.sub(" ", text)
    text = _DOTNET.sub(" dotnet ", text)
    if text.isprintable():
        return text
    # Format characters (Cf) include zero-width joiners and right-to-left marks;
    # control characters (Cc) include stray NULs pasted from terminals.
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )


def without_mentions(text: str) -> str:
    """The text without its mentions (see :func:`clean_chat_markup`), which say who
    should read it, not what it is about; text with none is returned as it is."""
    if "<" not in text and "@" not in text:
        return text
    left = _MENTION.sub(" ", text)
    return text if left == text else " ".join(left.split())


@lru_cache(maxsize=65536)
def normalise_word(word: str) -> str:
    """The comparable form of one word: lowercase, unaccented, singular, one spelling."""
    word = _strip_accents(word.casefold())
    word = _VARIANTS.get(word, word)
    word = _singular(word)
    word = _VARIANTS.get(word, word)
    if len(word) >= 7:
        word = _ISE_SUFFIX.sub(r"iz\1", word)
    return word


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _singular(word: str) -> str:
    if len(word) <= 3 or word in _NOT_PLURAL or not word.endswith("s"):
        return word
    if word.endswith(("ss", "us", "is", "ics", "ous")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


def pieces(text: str) -> Iterator[str | tuple[str, ...]]:
    """Words and hashtags of a chat message, in order.

    A word is yielded as its normalised string; a ``#hashtag`` as the tuple of its
    normalised parts (``#SalaryNegotiation`` and ``#salary-negotiation`` both give
    ``("salary", "negotiation")``).
    """
    cleaned = unicodedata.normalize("NFKC", clean_chat_markup(text))
    for match in _PIECE.finditer(cleaned):
        hashtag = match.group("hashtag")
        if hashtag is None:
            yield normalise_word(match.group("word"))
            continue
        parts = _hashtag_parts(hashtag[1:])
        if parts:
            yield parts


def _hashtag_parts(tag: str) -> tuple[str, ...]:
    spaced = _CAMEL_BOUNDARY.sub(" ", tag)
    return tuple(
        normalise_word(part)
        for chunk in _HASHTAG_SPLIT.split(spaced)
        for part in chunk.split()
        if part
    )


def words(text: str) -> list[str]:
    """Every normalised word of a message, hashtags split into their parts."""
    result: list[str] = []
    for piece in pieces(text):
        if isinstance(piece, str):
            result.append(piece)
        else:
            result.extend(piece)
    return result


def content_words(text: str) -> list[str]:
    """The normalised words of a message that say something (no stopwords)."""
    return [word for word in words(text) if len(word) > 1 and word not in STOPWORDS]


def content_of(sequence: list[str | tuple[str, ...]]) -> list[str]:
    """:func:`content_words` of a message's :func:`pieces` (a hashtag's parts included)."""
    flat: list[str] = []
    for piece in sequence:
        if isinstance(piece, str):
            flat.append(piece)
        else:
            flat.extend(piece)
    return [word for word in flat if len(word) > 1 and word not in STOPWORDS]


STOPWORDS = frozenset(normalise_word(word) for word in _STOPWORD_TEXT.split())
"""Normalised words too common in chat to say anything about a skill."""

_GENERIC_TEXT = """
    programming development developer dev engineering engineer coding skill basics
    advanced expert consulting consultant service support admin administration
    management manager specialist lesson tutoring teaching coach coaching training
    review advice work
"""
GENERIC_WORDS = frozenset(normalise_word(word) for word in _GENERIC_TEXT.split())
"""Words that add nothing to the skill beside them ("Python programming")."""


def tag_slug(parts: tuple[str, ...] | list[str]) -> str:
    """The tag name for a skill outside the vocabulary: its words joined by hyphens."""
    return "-".join(part for part in parts if part)


SKILL_LEAD_INS = frozenset(
    {
        ("help", "with"),
        ("help", "me", "with"),
        ("know",),
        ("use",),
        ("using",),
        ("learn",),
        ("learning",),
        ("teach",),
        ("teaching",),
        ("experience", "with"),
        ("experience", "in"),
        ("experienced", "with"),
        ("experienced", "in"),
        ("familiar", "with"),
        ("fluent", "in"),
        ("good", "at"),
    }
)
"""Words after which a word is a skill: what help is offered or asked with ("help
with python"), what someone knows, uses, learns or teaches ("anyone know python?"),
and experience ("experience with excel"). Words as :func:`pieces` gives them."""


CODE_AREAS = frozenset({"software", "data"})
"""The areas of ``vocabulary.yaml`` whose everyday words are programming words
("python", "spark"), which one of :data:`SOFTWARE_NOUNS` after them makes skills."""

NOT_NAMES = frozenset(
    {
        "architecture",
        "cargo",
        "container",
        "expo",
        "lambda",
        "logging",
        "monitoring",
        "networking",
        "notebook",
        "security",
        "swift",
        "tracing",
    }
)
"""Everyday words of programming skills left to other words even before those nouns:
they name things outside software as often (cargo and containers in freight, an expo,
a bank's SWIFT, security and monitoring at a door or a cot, an architect's drawings)
or another skill's too ("lambda" is Python's as well as AWS's)."""

SOFTWARE_NOUNS = frozenset({"codebase", "dag", "pipeline", "repo", "script"})
"""What software is made of, as :func:`pieces` gives them, and seldom anything else
after a programming word: "my python script", "our rails codebase", "airflow DAGs", "the
CI pipeline". Not "code", "app", "component", "developer", "server" or "dashboard",
which two reviews of a wider list on sentences from many kinds of communities found
after these words meaning a door, discount or fault code, a web page's embedded code, a
rail or watch app, a physics term ("the angular component"), a game's developers ("the
Rust devs"), a property developer or a car's dashboard."""

_SIDE_BY_SIDE = re.compile(r"(?<![\w#@-])(?=([\w+#]+)[*~`]*[ \t]+[*~`]*(\w+))")
"""Two words with only spaces, and chat's emphasis or code marks, between them."""


def before_software(text: str, programming: Container[str]) -> set[str]:
    """The ``programming`` words (in lower case, as ``vocabulary.yaml`` lists them:
    "python", "rails"), not :data:`NOT_NAMES`, that the text has right before one of
    :data:`SOFTWARE_NOUNS` with only spaces between, as :func:`pieces` gives them: "My
    Python script" gives "python"; "a python. Code red" and "the Rail app" nothing."""
    found: set[str] = set()
    lowered = clean_chat_markup(text).lower()
    if not any(noun in lowered for noun in SOFTWARE_NOUNS):
        return found  # most texts: no need to look at every pair of words
    for match in _SIDE_BY_SIDE.finditer(lowered):
        word, noun = (found_word.strip("_") for found_word in match.groups())
        if word in programming and word not in NOT_NAMES and normalise_word(noun) in SOFTWARE_NOUNS:
            found.add(normalise_word(word))
    return found


def led_in(sequence: Sequence[str | tuple[str, ...]], found: Sequence[tuple[int, int]]) -> set[int]:
    """Where those of the words or phrases ``found`` in :func:`pieces` (each where it
    starts and how many words it takes, in order) start that words before them say
    are skills: right after one of :data:`SKILL_LEAD_INS`, chat's "w/" read as "with"
    ("I can help with python", "anyone know python?", "help w/ python"), or next in a
    list one of those starts ("I use pandas and airflow"). Not after "help with my …",
    whose word may be the member's own (a python in the garden, an allotment), nor
    after "stuck with"."""
    led: set[int] = set()
    ends: set[int] = set()
    for at, length in found:
        listed = at - 1 if at and sequence[at - 1] in ("and", "or") else at
        before = tuple("with" if w == "w" else w for w in sequence[max(0, at - 3) : at])
        if (
            at in led
            or listed in ends
            or any(before[-n:] in SKILL_LEAD_INS for n in (1, 2, 3) if len(before) >= n)
        ):
            led.add(at)
            ends.add(at + length)
    return led
