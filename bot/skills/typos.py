"""What the typo corrector works from: the words one deletion away from each skill
word, and the common English words it must never "correct"."""

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
