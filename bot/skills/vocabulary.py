"""The skill vocabulary: canonical skills, their aliases and related terms.

The shipped vocabulary lives in ``vocabulary.yaml`` next to this module; a community
layers its own aliases over it with :meth:`Vocabulary.with_aliases`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources

import yaml

from bot.skills.loading import Skill, read_document
from bot.skills.text import (
    CODE_AREAS,
    GENERIC_WORDS,
    STOPWORDS,
    before_software,
    content_of,
    content_words,
    led_in,
    pieces,
    tag_slug,
    without_mentions,
    words,
)
from bot.skills.typos import TypoCorrector, one_letter_changed

ALIAS_WEIGHT = 1.0
"""How strongly an alias or the skill's own name points at a skill."""
RELATED_WEIGHT = 0.6
"""How strongly one related term ("pod" for Kubernetes) points at a skill."""
LINKED_WEIGHT = 0.3
"""How much a skill named in an ask also counts for the skills it is linked to."""


@dataclass(frozen=True, slots=True)
class _Hit:
    skill: str
    is_alias: bool
    everyday: bool = False
    """Found by an everyday word or a letter changed alone (see :meth:`Vocabulary.tags`)."""
    at: int = 0  # where in the text: the number of the word (or a phrase's first) found
    length: int = 1  # how many words (of :func:`~bot.skills.text.pieces`) were found


class Vocabulary:
    """The skills a community recognises; immutable, so build it once and share it."""

    def __init__(
        self,
        skills: Iterable[Skill],
        overrides: Mapping[str, str] | None = None,
        *,
        everyday: Iterable[str] = (),
    ) -> None:
        self._skills: dict[str, Skill] = {skill.name: skill for skill in skills}
        # A skill's own name or label typed as a skill is that skill, though it is an
        # alias of another too ("grant writing" of nonprofits) or no alias at all ("C").
        self._own = {" ".join(words(s.label)): s.name for s in self._skills.values()} | {
            " ".join(words(s.name.replace("-", " "))): s.name for s in self._skills.values()
        }
        self._own.pop("", None)
        self._overrides: dict[str, str] = dict(overrides or {})
        self._everyday_said = tuple(everyday)
        # A community's own alias is never read as an everyday word: its admin meant it.
        self._everyday = {w for said in self._everyday_said for w in words(said)} - {
            alias for alias in self._overrides if " " not in alias
        }
        self._phrases: dict[tuple[str, ...], tuple[_Hit, ...]] = {}
        self._links: dict[str, set[str]] = {}
        self._build_tables()
        self._compact: dict[str, tuple[_Hit, ...]] = {
            "".join(phrase): hits for phrase, hits in self._phrases.items() if len(phrase) > 1
        }
        self._compact_starts = {key[:end] for key in self._compact for end in range(1, len(key))}
        self._longest: dict[str, int] = {}
        for phrase in self._phrases:
            self._longest[phrase[0]] = max(self._longest.get(phrase[0], 0), len(phrase))
        self._correct_typo = TypoCorrector(p[0] for p in self._phrases if len(p) == 1)
        self._override_starts: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for alias, name in self._overrides.items():
            phrase = tuple(alias.split())
            self._override_starts.setdefault(phrase[0], []).append((phrase, name))

    @classmethod
    def default(cls) -> Vocabulary:
        """The vocabulary shipped with givefirst (loaded once, then shared)."""
        return _default_vocabulary()

    @classmethod
    def for_aliases(cls, aliases: Mapping[str, str]) -> Vocabulary:
        """The shipped vocabulary with a community's own aliases, built once per set of
        aliases and kept for the communities that use it (building one takes tens of
        milliseconds)."""
        if not aliases:
            return _default_vocabulary()
        return _with_aliases(tuple(sorted(aliases.items())))

    @classmethod
    def from_yaml(cls, document: str) -> Vocabulary:
        """A vocabulary from YAML text in the shape of the shipped ``vocabulary.yaml``."""
        # libyaml's safe loader when PyYAML was built with it: the same result, ~10x faster.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        read = read_document(yaml.load(document, Loader=loader))
        return cls(read.skills, everyday=read.everyday)

    def with_aliases(self, aliases: Mapping[str, str]) -> Vocabulary:
        """This vocabulary plus a community's own ``{alias: canonical skill}`` mappings.

        A canonical skill outside the vocabulary becomes a community skill of its own.
        A community alias wins over the shipped meaning of the same words.
        """
        skills = dict(self._skills)
        overrides = dict(self._overrides)
        for alias, canonical in aliases.items():
            name = self.normalise(canonical)
            alias_key = " ".join(words(alias.lstrip("#")))
            if not name or not alias_key:
                continue  # no words on a side (a mention, saved before they were refused)
            if name not in skills:
                skills[name] = Skill(name=name, label=canonical.strip(), area="community")
            overrides[alias_key] = name
        return Vocabulary(skills.values(), overrides, everyday=self._everyday_said)

    def read_for_meaning(self, text: str) -> str:
        """A text as a sentence model should read it: with what the community's own
        aliases in it stand for, which no model was taught ("how do I get a ttc pass"
        with ``ttc=toronto transit commission`` reads "… (toronto transit commission)").
        Mentions are left out (see :func:`without_mentions`): a model would read
        "@channel" or "<@U123>" as words two texts have in common. Other text without
        such an alias is returned as it is."""
        text = without_mentions(text)
        lowered = text.lower()
        if not any(first in lowered for first in self._override_starts):
            return text  # the cheap test first: most texts hold none of the words
        said = words(text)
        meant: dict[str, None] = {}
        for at, word in enumerate(said):
            for phrase, skill in self._override_starts.get(word, ()):
                if tuple(said[at : at + len(phrase)]) == phrase:
                    meant.setdefault(self.describe(skill), None)
        return f"{text} ({', '.join(meant)})" if meant else text

    def __contains__(self, skill: object) -> bool:
        return skill in self._skills

    def __len__(self) -> int:
        return len(self._skills)

    @property
    def skills(self) -> tuple[Skill, ...]:
        """Every skill in the vocabulary."""
        return tuple(self._skills.values())

    def describe(self, skill: str) -> str:
        """The human label of a skill ("salary-negotiation" -> "salary negotiation")."""
        known = self._skills.get(skill)
        return known.label if known else skill.replace("-", " ")

    def normalise(self, term: str) -> str:
        """The canonical name for a skill a member typed ("CVs" -> "resume").

        A term outside the vocabulary becomes a cleaned tag ("Local-First Apps" ->
        "local-first-app"); a term with no words at all gives "".
        """
        stripped = term.strip().lstrip("#").strip()
        parts = tuple(words(stripped))
        if (override := self._overrides.get(" ".join(parts))) is not None:
            return override  # a community's alias wins, even over a skill's own name
        if stripped.lower() in self._skills:
            return stripped.lower()
        if not parts:
            return ""
        if (own := self._own.get(" ".join(parts))) is not None:
            return own
        hits = self._whole_phrase_hits(parts)
        aliases = [hit.skill for hit in hits if hit.is_alias]
        if aliases:
            return aliases[0]
        # "Python programming" is python; a #hashtag is taken as typed.
        found = () if term.lstrip().startswith("#") else self.extract(stripped)
        if len(found) == 1 and found[0] in self._skills:
            return found[0]
        return tag_slug(parts)

    def read_skill(self, term: str) -> tuple[str, ...]:
        """A typed skill as :meth:`normalise` reads it, with the member's own words
        beside it where they say more: "Salesforce NPSP" is ``crm`` and
        ``salesforce-npsp`` (an ask for NPSP finds them), "Python programming" python."""
        name, parts = self.normalise(term), tuple(words(term.strip().lstrip("#").strip()))
        said = " ".join(parts)
        if not name or name in (tag_slug(parts), self._overrides.get(said), self._own.get(said)):
            return (name,) if name else ()
        known = [self._skills.get(hit.skill) for hit in self._hits(" ".join(parts))]
        named = {w for k in known if k for n in (k.name, *k.aliases) for w in words(n)}
        more = set(parts) - named - STOPWORDS - GENERIC_WORDS
        return (name, tag_slug(parts)) if more and not self._whole_phrase_hits(parts) else (name,)

    def extract(self, text: str) -> tuple[str, ...]:
        """Canonical skills named in a message, in order of appearance, without repeats.

        Aliases and skill names count; related terms do not (they only help matching).
        A ``#hashtag`` outside the vocabulary becomes a tag of its own.
        """
        found: dict[str, None] = {}
        for hit in self._hits(text):
            if hit.is_alias:
                found.setdefault(hit.skill, None)
        return tuple(found)

    def tags(self, text: str) -> tuple[str, ...]:
        """The skills a post is tagged with, shown with it and counted as asked for:
        :meth:`extract`, less a skill found only by an everyday word ("it's driving me
        mad", "python" beside "garden") unless another word names it or a linked skill
        ("python" beside "dataframes" or "pandas"), words before it say it is a skill
        ("anyone know python?": :data:`~bot.skills.text.SKILL_LEAD_INS`), or, for a
        programming word, what follows ("my python script": :func:`before_software`).
        Matching reads all words (:meth:`extract`): leaving them out found fewer helpers."""
        sequence = list(pieces(text))
        hits = list(self._hits_in(sequence))
        led = led_in(sequence, [(hit.at, hit.length) for hit in hits])
        software = before_software(text, self._everyday_said)
        found: dict[str, None] = {}
        for hit in hits:
            if hit.is_alias and (
                not hit.everyday
                or hit.at in led
                or self._supported(hit, hits, sequence)
                or (sequence[hit.at] in software and self._skills[hit.skill].area in CODE_AREAS)
            ):
                found.setdefault(hit.skill, None)
        return tuple(found)

    def _supported(
        self, hit: _Hit, hits: Sequence[_Hit], sequence: Sequence[str | tuple[str, ...]]
    ) -> bool:
        """Whether another word of the text (not this one again) points at this
        everyday word's skill, or at a skill linked to it."""
        near = self._links.get(hit.skill, set())
        return any(
            sequence[other.at] != sequence[hit.at]
            and (other.skill == hit.skill or other.skill in near)
            for other in hits
        )

    def skill_weights(self, text: str) -> dict[str, float]:
        """How strongly a message points at each skill, from 0 to 1.

        Named skills weigh 1; each related term adds :data:`RELATED_WEIGHT` up to 1;
        skills linked to those found get :data:`LINKED_WEIGHT` of their weight.
        """
        weights: dict[str, float] = {}
        related_seen: dict[str, int] = {}
        for hit in self._hits(text):
            if hit.is_alias:
                weights[hit.skill] = ALIAS_WEIGHT
            else:
                related_seen[hit.skill] = related_seen.get(hit.skill, 0) + 1
        for skill, count in related_seen.items():
            weights[skill] = min(ALIAS_WEIGHT, weights.get(skill, 0.0) + RELATED_WEIGHT * count)
        for skill, weight in list(weights.items()):
            for linked in self._links.get(skill, ()):
                weights[linked] = max(weights.get(linked, 0.0), LINKED_WEIGHT * weight)
        return weights

    def terms(self, text: str) -> list[str]:
        """The normalised words of a message that say something, for word matching."""
        return content_words(text)

    def extract_with_terms(self, text: str) -> tuple[tuple[str, ...], list[str]]:
        """:meth:`extract` and :meth:`terms` together, reading the text only once."""
        sequence = list(pieces(text))
        found: dict[str, None] = {}
        for hit in self._hits_in(sequence):
            if hit.is_alias:
                found.setdefault(hit.skill, None)
        return tuple(found), content_of(sequence)

    def linked(self, skill: str) -> frozenset[str]:
        """Skills the vocabulary links to this one (Kubernetes <-> Docker)."""
        return frozenset(self._links.get(skill, ()))

    def _hits(self, text: str) -> Iterator[_Hit]:
        return self._hits_in(list(pieces(text)))

    def _hits_in(self, sequence: list[str | tuple[str, ...]]) -> Iterator[_Hit]:
        starts, joinable = self._longest, self._compact_starts
        position = 0
        while position < len(sequence):
            piece = sequence[position]
            if isinstance(piece, tuple):
                for hit in self._hashtag_hits(piece):
                    yield replace(hit, at=position)
                position += 1
                continue
            if piece in starts or piece in joinable:
                length, hits = self._longest_phrase(sequence, position)
            else:
                length, hits = 0, ()
            if hits:
                everyday = length == 1 and piece in self._everyday
                for hit in hits:
                    yield _Hit(hit.skill, hit.is_alias, everyday or hit.everyday, position, length)
                position += length
                continue
            if piece not in STOPWORDS:
                corrected = self._correct_typo(piece)
                if corrected is not None:  # one letter changed: tagged with support alone
                    guess = corrected in self._everyday or one_letter_changed(piece, corrected)
                    for hit in self._phrases[(corrected,)]:
                        yield _Hit(hit.skill, hit.is_alias, guess, position)
            position += 1

    def _longest_phrase(
        self, sequence: list[str | tuple[str, ...]], start: int
    ) -> tuple[int, tuple[_Hit, ...]]:
        first = sequence[start]
        assert isinstance(first, str)
        longest = self._longest.get(first, 0)
        joinable = first in self._compact_starts
        if not longest and not joinable:
            return 0, ()
        window: list[str] = []
        for piece in sequence[start : start + max(longest, 3)]:
            if not isinstance(piece, str):
                break
            window.append(piece)
        for length in range(len(window), 0, -1):
            phrase = tuple(window[:length])
            hits = self._phrases.get(phrase)
            if hits is None and joinable and length > 1:
                # "front end" and "linked in" are the same skill as "frontend".
                hits = self._compact.get("".join(phrase))
            if hits:
                return length, hits
        return 0, ()

    def _hashtag_hits(self, parts: tuple[str, ...]) -> tuple[_Hit, ...]:
        """The skill a #hashtag names (or a slip of it: #kubernets), else a tag of its own
        as typed (#physio is not physics; #running is kept beside fitness)."""
        hits = self._phrases.get(parts) or self._compact.get("".join(parts)) or ()
        fixed = self._correct_typo(parts[0]) if not hits and len(parts) == 1 else None
        if fixed is not None and not one_letter_changed(parts[0], fixed):
            hits = self._phrases[(fixed,)]
        if any(hit.is_alias for hit in hits):
            return hits
        return (*hits, _Hit(tag_slug(parts), True))

    def _whole_phrase_hits(self, parts: tuple[str, ...]) -> tuple[_Hit, ...]:
        hits = self._phrases.get(parts) or self._compact.get("".join(parts))
        if hits:
            return hits
        corrected = self._correct_typo(parts[0]) if len(parts) == 1 else None
        return self._phrases[(corrected,)] if corrected is not None else ()

    def _build_tables(self) -> None:
        for skill in self._skills.values():
            for phrase in (skill.name.replace("-", " "), *skill.aliases):
                self._add_phrase(phrase, _Hit(skill.name, True))
        for alias, name in self._overrides.items():
            self._phrases[tuple(alias.split())] = (_Hit(name, True),)
        for skill in self._skills.values():
            for phrase in skill.related:
                key = tuple(words(phrase))
                named = [hit.skill for hit in self._phrases.get(key, ()) if hit.is_alias]
                if named:
                    for other in named:
                        if other != skill.name:
                            self._link(skill.name, other)
                elif key:
                    self._add_phrase(phrase, _Hit(skill.name, False))

    def _add_phrase(self, phrase: str, hit: _Hit) -> None:
        key = tuple(words(phrase))
        if not key:
            return
        existing = self._phrases.get(key, ())
        if hit not in existing and _Hit(hit.skill, True) not in existing:
            self._phrases[key] = (*existing, hit)

    def _link(self, one: str, other: str) -> None:
        self._links.setdefault(one, set()).add(other)
        self._links.setdefault(other, set()).add(one)


@lru_cache(maxsize=64)
def _with_aliases(aliases: tuple[tuple[str, str], ...]) -> Vocabulary:
    return _default_vocabulary().with_aliases(dict(aliases))


@cache
def _default_vocabulary() -> Vocabulary:
    document = resources.files("bot.skills").joinpath("vocabulary.yaml").read_text("utf-8")
    return Vocabulary.from_yaml(document)
