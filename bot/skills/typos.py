"""The typo corrector, and what it works from: the words one deletion away from each
skill word, and the common English words it must never "correct"."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

from bot.skills.text import normalise_word


def deletions_of(word: str) -> set[str]:
    return {word[:index] + word[index + 1 :] for index in range(len(word))}


def deletion_index(vocabulary_words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each word one letter short of a vocabulary word, and the words it is short of."""
    index: dict[str, set[str]] = {}
    for word in vocabulary_words:
        for variant in deletions_of(word):
            index.setdefault(variant, set()).add(word)
    return {variant: tuple(sorted(found)) for variant, found in index.items()}


@cache
def english_words() -> frozenset[str]:
    """Common English words, normalised as :func:`normalise_word` does: the whole words
    of the WordPiece vocabulary that ships with givefirst (the sentence model's)."""
    text = resources.files("bot.skills").joinpath("wordpieces.txt").read_text("utf-8")
    return frozenset(
        normalise_word(word) for word in text.split() if word.isalpha() and word.isascii()
    )


def one_letter_changed(typed: str, corrected: str) -> bool:
    """Whether a correction changed one letter for another ("physio" read as physics),
    rather than adding, dropping or swapping one: often another word, not a slip."""
    return any(
        len(said) == len(corrected)
        and sum(a != b for a, b in zip(said, corrected, strict=True)) == 1
        for said in (typed, typed + "s")
    )


FUZZY_MIN_LENGTH = 6
"""Typo tolerance only for words long enough that one slip rarely turns them into
another real word; never for inflected forms like "resumed" (:data:`INFLECTED`), and
never for a word that is a real word itself ("flaky" is not a misspelt "flask")."""
INFLECTED = ("ed", "ing", "ly")
CACHE_SIZE = 50_000
"""Words whose correction is remembered; the cache starts afresh once it is full."""


class TypoCorrector:
    """The one vocabulary word a misspelt word is one slip from, if there is just one:
    called with a word, it gives that word or None."""

    def __init__(self, vocabulary_words: Iterable[str]) -> None:
        self._words = set(vocabulary_words)
        self._deletions = deletion_index(w for w in self._words if len(w) >= FUZZY_MIN_LENGTH)
        self._cache: dict[str, str | None] = {}

    def __call__(self, word: str) -> str | None:
        if len(word) < FUZZY_MIN_LENGTH or word.endswith(INFLECTED) or not word.isalpha():
            return None
        if word in english_words():
            return None
        if word in self._cache:
            return self._cache[word]
        candidates: set[str] = set()
        # Normalisation may have taken a final "s" off a misspelt "kubernets".
        for typed in (word, word + "s"):
            candidates.update(self._deletions.get(typed, ()))
            for variant in deletions_of(typed):
                if variant in self._words:
                    candidates.add(variant)
                candidates.update(self._deletions.get(variant, ()))
        # Typos rarely hit the first letter, and an ambiguous correction is a guess.
        candidates = {c for c in candidates if c[0] == word[0] and c != word}
        corrected = candidates.pop() if len(candidates) == 1 else None
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = corrected
        return corrected
