"""The sentence model reads the same ids from a text as BERT's reference tokenizer.

givefirst tokenizes texts itself (``givefirst.wordpieces``) rather than installing the
``tokenizers`` package with its model-hub client; these tests hold it to that package,
installed for the tests only: a different id would give members different vectors.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from givefirst.wordpieces import WordPieces

tokenizers = pytest.importorskip("tokenizers")

DATA = Path(__file__).parent.parent / "data"
VOCABULARY = Path(str(resources.files("bot.skills").joinpath("wordpieces.txt")))


@cache
def reference() -> Any:
    tokenizer = tokenizers.BertWordPieceTokenizer(str(VOCABULARY), lowercase=True)
    tokenizer.enable_truncation(256)
    return tokenizer


@cache
def ours() -> WordPieces:
    return WordPieces.from_file(VOCABULARY)


@cache
def newer_unicode() -> frozenset[int]:
    """Characters classed differently on purpose (see the file), on this Python."""
    lines = (DATA / "wordpieces_newer_unicode.txt").read_text("utf-8").splitlines()
    rows = [line for line in lines if line and not line.startswith("#")]
    if rows[0] != f"unicode {unicodedata.unidata_version}":
        pytest.skip(f"the list is for {rows[0]}, this Python has {unicodedata.unidata_version}")
    points: set[int] = set()
    for row in rows[1:]:
        first, _, last = row.partition("..")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(points)


def same_ids(texts: list[str]) -> list[tuple[str, list[int], list[int]]]:
    """The texts whose ids differ: (text, reference ids, ours)."""
    expected = [encoding.ids for encoding in reference().encode_batch(texts)]
    return [
        (text, want, got)
        for text, want, got in zip(texts, expected, map(ours().ids, texts), strict=True)
        if want != got
    ]


def strings_in(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def every_text_in_tests_data() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("*.yaml")):
        texts.extend(strings_in(yaml.safe_load(path.read_text("utf-8"))))
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                texts.extend(strings_in(json.loads(line)))
    for path in sorted(DATA.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as file:
            texts.extend(cell for row in csv.reader(file) for cell in row)
    return texts


def test_every_text_of_the_test_communities_gets_the_reference_ids() -> None:
    texts = every_text_in_tests_data()
    assert len(texts) > 2_000
    assert same_ids(texts) == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "Who knows Kubernetes? My pods keep dying!!",
        "Café, naïve résumé — ÉCOLE",
        "İstanbul ΣΑΣ straße ﬁne ½",
        "日本語のテキストと中文",
        "مرحبا، أحتاج مساعدة في التسويق",  # right to left
        "שלום! צריך עזרה",
        "🚀🔥 need help with 🐍 python 👩🏽‍💻",
        "<!channel> @everyone *bold* _it_ `code` <https://x.io|link>",
        "tabs\tnew\nlines\r\n\x0b\x0c\x85\u2028\u2029 and\x00nul\ufffd",
        "zero\u200bwidth\u200djoiner\ufeff",
        "x[MASK]y [CLS][SEP] [UNK] [PAD] [mask]",
        "a" * 101 + " " + "b" * 100,
        "supercalifragilisticexpialidocious antidisestablishmentarianism",
        "word " * 400,
        "Ünïcödé " * 3_000,
    ],
)
def test_awkward_texts_get_the_reference_ids(text: str) -> None:
    assert same_ids([text]) == []


def test_long_texts_are_cut_where_the_model_stops_reading() -> None:
    ids = ours().ids("help " * 10_000)
    assert len(ids) == 256
    assert ids[0] == 101 and ids[-1] == 102


def test_every_character_gets_the_reference_ids_but_the_newer_marks_listed() -> None:
    """Each Unicode character within a word, against the reference (about 20 s)."""
    listed = newer_unicode()
    points = [p for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF]
    differing = {ord(text[2]) for text, _, _ in same_ids([f"ab{chr(p)}cd" for p in points])}
    assert sorted(differing - listed) == []


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=80))
def test_any_text_gets_the_reference_ids(text: str) -> None:
    if any(ord(character) in newer_unicode() for character in text):
        return
    assert same_ids([text]) == []
