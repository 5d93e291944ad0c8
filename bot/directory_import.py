"""Reading a community's member directory from CSV, JSON or JSON Lines.

Admins bring members over from spreadsheets and other tools. Parsing is
all-or-nothing: either every row is valid and all records come back, or a
:class:`MemberImportError` names the first bad line and nothing is imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import InvalidInput
from bot.setting_values import ensure_timezone
from bot.skills import Vocabulary

FIELDS = ("handle", "name", "timezone", "skills", "bio", "offers")
REQUIRED_FIELDS = ("handle", "name")
MAX_NAME = 120
MAX_SKILL = 60
MAX_BIO = 2000
MAX_OFFER = 500
MAX_OFFERS = 20
"""Offers a member may bring in one import: each is asked about on its own later."""
MAX_HANDLE = 80
_HANDLE = re.compile(r"^[\w.\-]+$")
_UNNAMED = "\0unnamed"
TABLES = (".csv", ".tsv", ".txt")
"""Suffixes of files read as CSV."""
TOO_DEEP = "lists or objects nested too deeply to be a member (one object per member)"
_LIST_SEPARATORS = re.compile(r"[;,]")


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """One validated member from an import file."""

    line: int
    handle: str
    name: str
    timezone: str | None
    skills: tuple[str, ...]
    bio: str
    offers: tuple[str, ...]


class MemberImportError(ValueError):
    """A member file that cannot be imported, naming the line and what is wrong."""

    def __init__(self, line: int, problem: str) -> None:
        """``line`` 0: the whole file (its type, its emptiness)."""
        super().__init__(f"line {line}: {problem}" if line else problem)
        self.line = line
        self.problem = problem


class NotInEncoding(MemberImportError):
    """The file's bytes are not text in the encoding it was read with."""

    def __init__(self, line: int, encoding: str, byte: int) -> None:
        super().__init__(line, f"this is not {encoding} text (byte 0x{byte:02x})")
        self.encoding = encoding


def parse_member_file(
    path: Path,
    vocabulary: Vocabulary | None = None,
    *,
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
) -> list[MemberRecord]:
    """Parse a ``.csv``, ``.json`` or ``.jsonl`` member file (chosen by its suffix), its
    bytes read as ``encoding``; a CSV file's ``delimiter`` is found from its header
    unless given. A ``.tsv`` or ``.txt`` file is read as CSV: spreadsheets save
    "Unicode text" as ``.txt``, tab-separated."""
    suffix = path.suffix.lower()
    if suffix not in (*TABLES, ".json", ".jsonl", ".ndjson"):
        raise MemberImportError(
            0,
            f"unsupported file type {suffix!r} (use .csv, .tsv, .txt, .json, .jsonl or .ndjson)",
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise MemberImportError(0, "the file is empty")
    text = decoded(raw, encoding)
    if suffix in TABLES:
        records = parse_members_csv(text, vocabulary, delimiter=delimiter)
    else:
        records = parse_members_json(text, vocabulary)
    if not records:
        raise MemberImportError(0, "there is no member in it")
    return records


def decoded(raw: bytes, encoding: str = "utf-8-sig") -> str:
    """A text file's bytes as text, read as ``encoding``, or as UTF-16 where UTF-8 was
    expected and the file is that ("Unicode text" from a spreadsheet or Notepad, with
    or without the byte-order mark that says so); :class:`NotInEncoding`, naming the
    line, if the bytes are not such text."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _is_utf8(encoding):
        encoding = "utf-16"
    elif _is_utf8(encoding):
        # Without the mark, text in UTF-16 has a zero byte beside every Latin letter.
        encoding = _utf16_without_mark(raw) or encoding
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise NotInEncoding(line, encoding.removesuffix("-sig").upper(), raw[error.start]) from None


def _utf16_without_mark(raw: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` if the file starts like UTF-16 text with no byte-order
    mark (every other byte zero, as Latin letters are), else None."""
    start = raw[:4096]
    if len(start) < 4 or b"\x00" not in start:
        return None
    even = start[0::2].count(0) / len(start[0::2])
    odd = start[1::2].count(0) / len(start[1::2])
    if odd > 0.5 and even < 0.1:  # the header's Latin letters at least
        return "utf-16-le"
    if even > 0.5 and odd < 0.1:
        return "utf-16-be"
    return None


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def parse_members_csv(
    text: str, vocabulary: Vocabulary | None = None, *, delimiter: str | None = None
) -> list[MemberRecord]:
    """Members from CSV with a header row; skills and offers split on ``;`` (or ``,``).
    Without a ``delimiter``, the header says which one the file uses: commas, or the
    semicolons (or tabs) spreadsheets write in some countries."""
    reader = csv.DictReader(
        io.StringIO(text, newline=""),
        restkey="\0extra",
        delimiter=delimiter or delimiter_of(text.partition("\n")[0]),
        strict=True,  # else a quote left open takes in every row after it, unsaid
    )
    try:
        header = reader.fieldnames or []
    except csv.Error as error:
        raise MemberImportError(1, f"unreadable CSV header ({error})") from error
    # Spreadsheets often save empty columns after the last one: a column with no name
    # is left out, so long as nothing is written in it.
    columns = [column.strip().lower() or f"{_UNNAMED}{n}" for n, column in enumerate(header)]
    _check_columns([column for column in columns if not column.startswith(_UNNAMED)])
    reader.fieldnames = columns
    rows: list[tuple[int, Mapping[str, Any]]] = []
    line = 2
    try:
        for row in reader:
            if "\0extra" in row:
                raise MemberImportError(line, "more values than there are columns")
            if any(value is None for value in row.values()):
                raise MemberImportError(line, "fewer values than there are columns")
            if any(value.strip() for key, value in row.items() if key.startswith(_UNNAMED)):
                raise MemberImportError(line, "a value in a column with no name in the header")
            row = {k: v for k, v in row.items() if not k.startswith(_UNNAMED)}
            if any((value or "").strip() for value in row.values()):
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        raise MemberImportError(line, _csv_problem(error)) from error
    return _records(rows, vocabulary, offers_split=";")


def _csv_problem(error: csv.Error) -> str:
    said = str(error)
    if "unexpected end of data" in said:
        return 'a quote (") opened in this row is never closed'
    if "field larger than field limit" in said:
        limit = csv.field_size_limit()
        return f'a value is longer than {limit:,} characters (is a quote (") left open?)'
    if "expected after" in said:
        return (
            'a quote (") in the middle of a value, or one left open: put the whole value in '
            'quotes and double each quote inside it ("Coach ""Ana"" Smith"), or leave it out'
        )
    return f"unreadable CSV ({said})"


def parse_members_json(text: str, vocabulary: Vocabulary | None = None) -> list[MemberRecord]:
    """Members from a JSON array of objects, or from JSON Lines (one object a line)."""
    stripped = text.lstrip()
    rows = list(_json_array_items(text) if stripped.startswith("[") else _json_lines(text))
    for line, row in rows:
        if not isinstance(row, dict):
            raise MemberImportError(line, "expected an object with member fields")
        unknown = sorted(set(row) - set(FIELDS))
        if unknown:
            raise MemberImportError(line, f"unknown field {unknown[0]!r} (known: {_known()})")
    return _records(rows, vocabulary, offers_split=";")


def _json_lines(text: str) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except RecursionError:
            raise MemberImportError(number, TOO_DEEP) from None
        except json.JSONDecodeError as error:
            raise MemberImportError(number, f"not valid JSON ({error.msg})") from error


def _json_array_items(text: str) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    expect_item = True
    # Lines are counted as the reading moves on, never again from the start: a
    # directory of a hundred thousand members reads in seconds, not minutes.
    counted, line = 0, 1
    while True:
        position = _skip_space(text, position)
        line += text.count("\n", counted, position)
        counted = position
        if position >= len(text):
            raise MemberImportError(line, "the JSON array is not closed with ']'")
        if text[position] == "]":
            if _skip_space(text, position + 1) != len(text):
                raise MemberImportError(line, "unexpected text after the JSON array")
            return
        if not expect_item:
            if text[position] != ",":
                raise MemberImportError(line, "expected ',' between members")
            position += 1
            expect_item = True
            continue
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise MemberImportError(error.lineno, f"not valid JSON ({error.msg})") from error
        except RecursionError:
            raise MemberImportError(line, TOO_DEEP) from None
        expect_item = False
        yield line, item


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def delimiter_of(header: str) -> str:
    """The delimiter a CSV header row uses: the one that splits it into known columns."""
    for candidate in (",", ";", "\t"):
        names = [name.strip().strip('"').lower() for name in header.split(candidate)]
        if len(names) > 1 and all(name in FIELDS for name in names):
            return candidate
    return ","


def _check_columns(columns: list[str]) -> None:
    for column in columns:
        if column not in FIELDS:
            shown = column if len(column) <= 40 else column[:39] + "…"
            split = next((d for d in (",", ";", "\t") if d in column), None)
            hint = (
                f"; the header looks separated by {'tabs' if split == chr(9) else repr(split)}: "
                f"try --delimiter {'tab' if split == chr(9) else repr(split)}"
                if split
                else ""
            )
            raise MemberImportError(1, f"unknown column {shown!r} (known: {_known()}){hint}")
    for required in REQUIRED_FIELDS:
        if required not in columns:
            raise MemberImportError(1, f"the {required!r} column is missing")
    if len(set(columns)) != len(columns):
        raise MemberImportError(1, "a column appears twice")


def _records(
    rows: list[tuple[int, Mapping[str, Any]]], vocabulary: Vocabulary | None, offers_split: str
) -> list[MemberRecord]:
    records: list[MemberRecord] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        record = _record(line, row, vocabulary, offers_split)
        key = record.handle.casefold()
        if key in seen:
            raise MemberImportError(line, f"handle {record.handle!r} already on line {seen[key]}")
        seen[key] = line
        records.append(record)
    return records


def _record(
    line: int, row: Mapping[str, Any], vocabulary: Vocabulary | None, offers_split: str
) -> MemberRecord:
    handle = _text(line, row, "handle").removeprefix("@")
    if not handle:
        raise MemberImportError(line, "handle is missing")
    if len(handle) > MAX_HANDLE:
        raise MemberImportError(
            line, f"handle {handle[:20]!r}… is longer than {MAX_HANDLE} characters"
        )
    if not _HANDLE.match(handle):
        raise MemberImportError(line, f"handle {handle!r} may only use letters, digits, . _ -")
    name = _text(line, row, "name")
    if not name:
        raise MemberImportError(line, "name is missing")
    if len(name) > MAX_NAME:
        raise MemberImportError(line, f"name is longer than {MAX_NAME} characters")
    bio = _text(line, row, "bio")
    if len(bio) > MAX_BIO:
        raise MemberImportError(line, f"bio is longer than {MAX_BIO} characters")
    return MemberRecord(
        line=line,
        handle=handle,
        name=name,
        timezone=_timezone(line, _text(line, row, "timezone")),
        skills=_skills(line, row.get("skills"), vocabulary),
        bio=bio,
        offers=_offers(line, row.get("offers"), offers_split),
    )


def _text(line: int, row: Mapping[str, Any], field: str) -> str:
    value = row.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MemberImportError(line, f"{field} must be text, not {type(value).__name__}")
    return _clean(value)


def _clean(value: str) -> str:
    # Spreadsheets and exports smuggle in NULs, tabs and direction marks.
    kept = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in value
    )
    return " ".join(kept.split())


def _timezone(line: int, name: str) -> str | None:
    if not name:
        return None
    try:
        return ensure_timezone(name)  # in any case: "europe/berlin" is Europe/Berlin
    except InvalidInput:
        raise MemberImportError(
            line, f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        ) from None


def _items(line: int, value: Any, field: str, separators: re.Pattern[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = separators.split(value)
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        parts = value
    else:
        raise MemberImportError(line, f"{field} must be a list of text or ';'-separated text")
    return [cleaned for part in parts if (cleaned := _clean(part))]


def _skills(line: int, value: Any, vocabulary: Vocabulary | None) -> tuple[str, ...]:
    skills = _items(line, value, "skills", _LIST_SEPARATORS)
    for skill in skills:
        if len(skill) > MAX_SKILL:
            raise MemberImportError(
                line, f"skill {skill[:20]!r}… is longer than {MAX_SKILL} characters"
            )
    if vocabulary is not None:
        skills = [name for skill in skills for name in vocabulary.read_skill(skill)]
    return tuple(dict.fromkeys(skills))


def _offers(line: int, value: Any, separator: str) -> tuple[str, ...]:
    offers = _items(line, value, "offers", re.compile(re.escape(separator)))
    if len(offers) > MAX_OFFERS:
        raise MemberImportError(
            line, f"{len(offers):,} offers for one member; at most {MAX_OFFERS} in an import"
        )
    for offer in offers:
        if len(offer) > MAX_OFFER:
            raise MemberImportError(line, f"an offer is longer than {MAX_OFFER} characters")
    return tuple(offers)


def _known() -> str:
    return ", ".join(FIELDS)
