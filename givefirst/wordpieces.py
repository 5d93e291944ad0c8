"""Texts as the sentence model's WordPiece ids, as BERT's uncased tokenizer makes them.

This is the tokenizer of all-MiniLM-L6-v2 (``BertWordPieceTokenizer(vocab,
lowercase=True)`` of the ``tokenizers`` package), written out because that package
brings a model-hub client and its network stack (about 40 MB installed) that givefirst
must never use. The test suite checks that both give the same ids on every text in
``tests/data``, on every Unicode character one by one and on generated texts.

The steps, as BERT defines them:

1. ``[CLS]``, ``[SEP]``, ``[UNK]``, ``[PAD]`` and ``[MASK]`` written in a text are those
   tokens;
2. every other character is cleaned (control characters dropped, any space becomes
   ``" "``), Chinese, Japanese and Korean ideographs are set apart, accents are
   stripped (NFD, then non-spacing marks dropped) and letters lowercased;
3. words are split at spaces and around each punctuation mark;
4. each word becomes the longest pieces of the vocabulary that spell it from the left
   (``##`` marking a piece that continues a word), or ``[UNK]`` if it has no such
   spelling or is longer than 100 characters.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
"""Tokens that stand for themselves where a text spells them (those the vocabulary has)."""
LONGEST_WORD = 100
"""Characters in a word beyond which it is ``[UNK]`` (BERT's ``max_input_chars_per_word``)."""

_IDEOGRAPHS = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
_SPACES = frozenset(" \xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
"""Unicode's White_Space characters that are not control characters."""


class WordPieces:
    """A WordPiece vocabulary (one piece per line, its id its line number)."""

    def __init__(self, pieces: list[str], *, longest: int = 256) -> None:
        self._ids = {piece: number for number, piece in enumerate(pieces)}
        missing = [token for token in ("[UNK]", "[CLS]", "[SEP]") if token not in self._ids]
        if missing:
            raise ValueError(f"the vocabulary has no {', '.join(missing)}")
        self._special = re.compile(
            "|".join(re.escape(token) for token in SPECIAL if token in self._ids)
        )
        self._unknown = self._ids["[UNK]"]
        self._first = self._ids["[CLS]"]
        self._last = self._ids["[SEP]"]
        self.longest = longest
        """The most ids a text becomes, ``[CLS]`` and ``[SEP]`` included."""
        self._word = lru_cache(maxsize=65_536)(self._word_ids)

    @classmethod
    def from_file(cls, path: Path, *, longest: int = 256) -> WordPieces:
        return cls(path.read_text("utf-8").splitlines(), longest=longest)

    def ids(self, text: str) -> list[int]:
        """The text's ids between ``[CLS]`` and ``[SEP]``, cut to :attr:`longest`."""
        room = self.longest - 2
        ids: list[int] = []
        for piece in self._pieces(text):
            ids.extend(piece)
            if len(ids) >= room:
                del ids[room:]
                break
        return [self._first, *ids, self._last]

    def _pieces(self, text: str) -> Iterator[tuple[int, ...]]:
        start = 0
        for special in self._special.finditer(text):
            yield from map(self._word, _words(text[start : special.start()]))
            yield (self._ids[special.group()],)
            start = special.end()
        yield from map(self._word, _words(text[start:]))

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > LONGEST_WORD:
            return (self._unknown,)
        ids: list[int] = []
        start = 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                number = self._ids.get(piece)
                if number is not None:
                    ids.append(number)
                    start = end
                    break
            else:
                return (self._unknown,)
        return tuple(ids)


def _words(text: str) -> list[str]:
    return [word for word in "".join(map(_normal, text)).split(" ") if word]


@lru_cache(maxsize=65_536)
def _normal(character: str) -> str:
    """One character as BERT's normaliser leaves it, with a space either side of each
    character that is a word of its own (punctuation, ideographs): ``" "`` for a space,
    ``""`` for a character dropped."""
    if character in "\t\n\r":
        return " "
    if character in "\x00\ufffd" or unicodedata.category(character) in _CONTROL:
        return ""
    if character in _SPACES:
        return " "
    plain = "".join(
        c for c in unicodedata.normalize("NFD", character) if unicodedata.category(c) != "Mn"
    )
    normal = "".join(f" {c} " if _punctuation(c) else c for c in plain.lower())
    code = ord(character)
    return f" {normal} " if any(low <= code <= high for low, high in _IDEOGRAPHS) else normal


_CONTROL = frozenset({"Cc", "Cf", "Co", "Cs"})


def _punctuation(character: str) -> bool:
    return character in string.punctuation or unicodedata.category(character).startswith("P")
