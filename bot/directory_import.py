"""Reading a community's member directory from CSV, JSON or JSON Lines.

Admins bring members over from spreadsheets and other tools. Parsing is
all-or-nothing: either every row is valid and all records come back, or a
:class:`MemberImportError` names what is wrong and nothing is imported: every bad row
(:class:`BadRows`), or the first line that stops the file being read at all (an
unclosed quote, a bad header, bytes that are not text).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.errors import InvalidInput
from bot.member_files import (
    BadRows,
    MemberImportError,
    NotInEncoding,
    decoded,
    json_array_items,
    json_lines,
)
from bot.setting_values import ensure_timezone
from bot.skills import Vocabulary
from bot.text import without_terminal_codes

__all__ = [
    "BadRows",
    "MemberImportError",
    "MemberRecord",
    "NotInEncoding",
    "decoded",
    "delimiter_of",
    "parse_member_file",
    "parse_members_csv",
    "parse_members_json",
]

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
    problems: list[MemberImportError] = []
    line = 2
    try:
        for row in reader:
            if problem := _shape_problem(row):
                problems.append(MemberImportError(line, problem))
            else:
                row = {k: v for k, v in row.items() if not k.startswith(_UNNAMED)}
                if any((value or "").strip() for value in row.values()):
                    rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        # The rest of the file cannot be read: named after the rows before it, which
        # are checked as usual (nothing is imported, a problem being found).
        stopped = MemberImportError(line, _csv_problem(error))
        return _records(rows, vocabulary, ";", problems, stopped)
    return _records(rows, vocabulary, offers_split=";", problems=problems)


def _shape_problem(row: Mapping[str, Any]) -> str | None:
    if "\0extra" in row:
        return "more values than there are columns"
    if any(value is None for value in row.values()):
        return "fewer values than there are columns"
    if any(value.strip() for key, value in row.items() if key.startswith(_UNNAMED)):
        return "a value in a column with no name in the header"
    return None


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
    items = json_array_items(text) if stripped.startswith("[") else json_lines(text)
    rows: list[tuple[int, Mapping[str, Any]]] = []
    numbers: list[int] = []
    said: list[tuple[int, int, str]] = []
    stopped = None
    try:
        for number, (line, row) in enumerate(items, 1):
            if not isinstance(row, dict):
                said.append((line, number, "expected an object with member fields"))
            elif unknown := sorted(set(row) - set(FIELDS)):
                said.append((line, number, f"unknown field {unknown[0]!r} (known: {_known()})"))
            else:
                rows.append((line, row))
                numbers.append(number)
    except MemberImportError as error:  # not JSON from here on: the rest is not read
        stopped = MemberImportError(error.line, error.problem)
    # Where one line holds several members (JSON on one line), say which member.
    lines = Counter([line for line, _ in rows] + [line for line, _, _ in said])
    problems = [MemberImportError(line, p, n if lines[line] > 1 else None) for line, n, p in said]
    members = [n if lines[line] > 1 else None for (line, _), n in zip(rows, numbers, strict=True)]
    return _records(rows, vocabulary, ";", problems, stopped, members=members)


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
    rows: list[tuple[int, Mapping[str, Any]]],
    vocabulary: Vocabulary | None,
    offers_split: str,
    problems: Sequence[MemberImportError] = (),
    stopped: MemberImportError | None = None,
    *,
    members: Sequence[int | None] = (),
) -> list[MemberRecord]:
    """Every row as a member, or :class:`BadRows` naming each row that is not one (with
    the ``problems`` found in reading them, where reading ``stopped`` if it did, and
    which of the file's ``members`` each row is, where a line holds several)."""
    records: list[MemberRecord] = []
    bad = list(problems)
    seen: dict[str, str] = {}
    for at, (line, row) in enumerate(rows):
        member = members[at] if members else None
        given = row.get("handle")
        handle = _clean(given).removeprefix("@") if isinstance(given, str) else ""
        key = handle.casefold()
        if key and key in seen:
            again = f"handle {handle!r} already on {seen[key]}"
            bad.append(MemberImportError(line, again, member))
            continue
        if key:
            # A row with a problem still holds its handle.
            seen[key] = f"line {line} (member {member:,})" if member else f"line {line}"
        try:
            records.append(_record(line, row, vocabulary, offers_split))
        except MemberImportError as problem:
            # Its line and words alone: the error raised keeps the row, and the errors
            # behind it (a time zone's), alive, which a file of 100,000 bad rows feels.
            bad.append(MemberImportError(problem.line, problem.problem, member))
    if bad or stopped:
        ordered = sorted(bad, key=lambda problem: (problem.line, problem.member or 0))
        raise BadRows([*ordered, stopped] if stopped else ordered, read_whole=stopped is None)
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
    # Spreadsheets and exports smuggle in NULs, tabs and direction marks, and a file
    # made in a terminal its colour codes.
    # A JSON "\udcff" (bytes that were not UTF-8, escaped) is not text: U+FFFD, as a
    # decoder makes of them.
    kept = "".join(
        " "
        if (category := unicodedata.category(char)) in ("Cc", "Cf", "Zl", "Zp")
        else "\ufffd"
        if category == "Cs"
        else char
        for char in without_terminal_codes(value)
    )
    return " ".join(kept.split())


def _timezone(line: int, name: str) -> str | None:
    if not name:
        return None
    zone = _known_zone(name)
    if zone is None:
        raise MemberImportError(
            line, f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        )
    return zone


@lru_cache(maxsize=4096)
def _known_zone(name: str) -> str | None:
    """The zone's IANA name in its own case ("europe/berlin" is Europe/Berlin), or None;
    looked up once per name however many rows give it (a miss takes 50 µs)."""
    try:
        return ensure_timezone(name)
    except InvalidInput:
        return None


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
    # One offer given twice in a row ("help;help;HELP") is one offer, as it is when a
    # later import gives it again.
    once: dict[str, str] = {}
    for offer in offers:
        once.setdefault(offer.casefold(), offer)
    return tuple(once.values())


def _known() -> str:
    return ", ".join(FIELDS)
