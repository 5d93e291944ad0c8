"""Text files of member rows: their bytes read as text, JSON items each with the line
it starts on, and the errors that name the line (see :mod:`bot.directory_import`)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Sequence
from typing import Any

TOO_DEEP = "lists or objects nested too deeply to be a member (one object per member)"
TOO_LONG_A_NUMBER = "a number thousands of digits long, which no field holds"
SHOWN_ROWS = 10
"""Bad rows named one by one; the rest are counted."""


class MemberImportError(ValueError):
    """A member file that cannot be imported, naming the line and what is wrong."""

    def __init__(self, line: int, problem: str, member: int | None = None) -> None:
        """``line`` 0: the whole file (its type, its emptiness). ``member``: which of
        the file's members, where one line holds several (JSON written on one line)."""
        where = f"line {line} (member {member:,})" if member else f"line {line}"
        super().__init__(f"{where}: {problem}" if line else problem)
        self.line = line
        self.problem = problem
        self.member = member


class BadRows(MemberImportError):
    """Rows that cannot be imported: every one found, so a file is put right in one go
    rather than one line a run. Its line and problem are the first row's. Unless
    ``read_whole``, the last problem stopped the reading: rows after it were not seen."""

    def __init__(self, problems: Sequence[MemberImportError], *, read_whole: bool = True) -> None:
        first = problems[0]
        super().__init__(first.line, first.problem, first.member)
        self.problems = tuple(problems)
        self.read_whole = read_whole

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return super().__str__()
        shown = [str(problem) for problem in self.problems[:SHOWN_ROWS]]
        if (more := len(self.problems) - SHOWN_ROWS) > 0:
            shown.append(f"and {more:,} more")
        if not self.read_whole:
            shown.append(f"(the rows after line {self.problems[-1].line} could not be read)")
        return f"{len(self.problems):,} rows cannot be imported:\n  " + "\n  ".join(shown)


class NotInEncoding(MemberImportError):
    """The file's bytes are not text in the encoding it was read with."""

    def __init__(self, line: int, encoding: str, byte: int) -> None:
        super().__init__(line, f"this is not {encoding} text (byte 0x{byte:02x})")
        self.encoding = encoding


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


def json_lines(text: str) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except RecursionError:
            raise MemberImportError(number, TOO_DEEP) from None
        except json.JSONDecodeError as error:
            raise MemberImportError(number, f"not valid JSON ({error.msg})") from error
        except ValueError:  # a number of thousands of digits
            raise MemberImportError(number, TOO_LONG_A_NUMBER) from None


def json_array_items(text: str) -> Iterator[tuple[int, Any]]:
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
        except ValueError:  # a number of thousands of digits
            raise MemberImportError(line, TOO_LONG_A_NUMBER) from None
        expect_item = False
        yield line, item


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position
