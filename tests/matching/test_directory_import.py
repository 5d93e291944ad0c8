"""Stories about an admin importing an existing member directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.directory_import import (
    BadRows,
    MemberImportError,
    MemberRecord,
    parse_member_file,
    parse_members_csv,
    parse_members_json,
)
from bot.skills import Vocabulary

DATA = Path(__file__).resolve().parent.parent / "data"
vocabulary = Vocabulary.default()
HEADER = "handle,name,timezone,skills,bio,offers\n"


@pytest.mark.parametrize("sample", ["members_sample.csv", "members_sample.jsonl"])
def test_the_sample_directory_imports_every_member(sample: str) -> None:
    members = parse_member_file(DATA / sample, vocabulary)
    assert [member.handle for member in members] == ["ana", "ben.okafor", "chloe_m", "farid"]
    ana, ben, chloe, farid = members
    assert ana.skills == ("resume", "career-change", "linkedin")
    assert ana.offers == ("Happy to look over CVs", "Can do a mock interview")
    assert ben.skills == ("kubernetes", "docker", "terraform")
    assert chloe.timezone == "America/New_York"
    assert chloe.offers == ()
    assert farid.timezone is None
    assert farid.bio == "Moved countries three times. Happy to share what I learned."


def test_csv_and_json_lines_give_the_same_members() -> None:
    from_csv = parse_member_file(DATA / "members_sample.csv", vocabulary)
    from_json = parse_member_file(DATA / "members_sample.jsonl", vocabulary)
    assert [_without_line(m) for m in from_csv] == [_without_line(m) for m in from_json]


def test_json_on_one_line_names_which_member_is_wrong() -> None:
    """An export written on one line: "line 1" for every problem would name none."""
    text = (
        '[{"handle": "m1", "name": "One"}, {"handle": "m2"}, "oops",'
        ' {"handle": "M1", "name": "Again"}]'
    )
    with pytest.raises(MemberImportError) as raised:
        parse_members_json(text)
    said = str(raised.value)
    assert "line 1 (member 2): name is missing" in said
    assert "line 1 (member 3): expected an object with member fields" in said
    assert "line 1 (member 4): handle 'M1' already on line 1 (member 1)" in said


def test_a_json_array_names_lines_too() -> None:
    text = '[\n  {"handle": "ana", "name": "Ana"},\n  {"handle": "ben", "name": ""}\n]'
    with pytest.raises(MemberImportError, match=r"^line 3: name is missing$"):
        parse_members_json(text)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe", "E" * 300])
def test_a_bad_time_zone_names_the_line_and_nothing_is_imported(zone: str) -> None:
    text = HEADER + f"ana,Ana,Europe/Madrid,,,\nben,Ben,{zone},,,\ncara,Cara,,,,\n"
    with pytest.raises(MemberImportError) as raised:
        parse_members_csv(text)
    assert raised.value.line == 3
    assert "unknown time zone" in str(raised.value)


def test_a_line_number_counts_multi_line_bios_before_it() -> None:
    text = HEADER + 'ana,Ana,,,"two\nlines",\nben,,,,,\n'
    with pytest.raises(MemberImportError, match=r"^line 4: name is missing$"):
        parse_members_csv(text)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("ana,Ana,,,,,extra\n", "line 2: more values than there are columns"),
        ("ana,Ana\n", "line 2: fewer values than there are columns"),
        ("ana,Ana,,,,\n@ANA,Ana again,,,,\n", "line 3: handle 'ANA' already on line 2"),
        ("an a,Ana,,,,\n", "line 2: handle 'an a' may only use letters, digits, . _ -"),
        (",Ana,,,,\n", "line 2: handle is missing"),
        # Read loosely, the open quote took every later row into Ana's bio, unsaid.
        (
            'ana,Ana,,,"Coach,\nben,Ben,,,,\n',
            'line 2: a quote \\("\\) opened in this row is never closed',
        ),
        (
            "ana,Ana,,,," + ";".join(["CV review"] * 21) + "\n",
            "line 2: 21 offers for one member; at most 20 in an import",
        ),
        (
            'ana,"Ana" Smith,,,,\n',
            'line 2: a quote \\("\\) in the middle of a value, or one left open.*',
        ),
    ],
)
def test_malformed_csv_rows_are_rejected_with_their_line(rows: str, message: str) -> None:
    with pytest.raises(MemberImportError, match=f"^{message}$"):
        parse_members_csv(HEADER + rows)


def test_an_unknown_column_is_reported_on_the_header_line() -> None:
    with pytest.raises(MemberImportError, match=r"^line 1: unknown column 'email'"):
        parse_members_csv("handle,name,email\nana,Ana,ana@example.com\n")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"handle": "ana", "name": "Ana"}\n{"handle": "ben", "name": "Ben"', "line 2: not valid"),
        ('{"handle": "ana", "name": "Ana", "skills": 3}', "line 1: skills must be a list"),
        ('{"handle": "ana", "name": "Ana", "age": 3}', "line 1: unknown field 'age'"),
        ('["ana"]', "line 1: expected an object"),
    ],
)
def test_malformed_json_lines_are_rejected_with_their_line(lines: str, message: str) -> None:
    with pytest.raises(MemberImportError, match=f"^{message}"):
        parse_members_json(lines)


def test_an_offer_given_twice_in_a_row_is_one_offer() -> None:
    (member,) = parse_members_csv(
        HEADER + 'ana,Ana,,,,"CV help;cv HELP;CV help;mock interviews"\n', vocabulary
    )
    assert member.offers == ("CV help", "mock interviews")


def test_control_characters_are_stripped_from_imported_text() -> None:
    (member,) = parse_members_csv(HEADER + "ana,\u200fAna\x00 Ruiz,,python,,\n", vocabulary)
    assert member.name == "Ana Ruiz"
    assert member.skills == ("python",)
    (member,) = parse_members_csv(HEADER + "ben,\x1b[31mBen\x1b[0m Ode,,python,,\n", vocabulary)
    assert member.name == "Ben Ode", "a terminal's colour codes go whole"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("nested.json", "[" * 100_000),
        ("nested.json", '[{"handle": "ana", "name": "Ana", "skills": ' + "[" * 100_000 + "]"),
        ("nested.jsonl", '{"handle": "ana", "name": "Ana"}\n' + "[" * 100_000),
    ],
)
def test_json_nested_too_deeply_is_refused_with_its_line(
    tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    with pytest.raises(MemberImportError, match=r"^line \d: lists or objects nested too deeply"):
        parse_member_file(path)


@pytest.mark.parametrize("name", ["members.json", "members.jsonl"])
def test_json_with_a_number_of_thousands_of_digits_is_refused_with_its_line(
    tmp_path: Path, name: str
) -> None:
    row = '{"handle": "ana", "name": "Ana", "bio": ' + "9" * 5000 + "}"
    path = tmp_path / name
    path.write_text(f"[\n{row}\n]" if name.endswith(".json") else f"{row}\n", "utf-8")
    with pytest.raises(MemberImportError, match=r"^line \d: a number thousands of digits long"):
        parse_member_file(path)


def test_json_escapes_of_bytes_that_were_not_utf8_become_replacement_characters(
    tmp_path: Path,
) -> None:
    """A JSON "\\udcff" is no character: the database refuses it, and printing it fails."""
    path = tmp_path / "members.json"
    path.write_text(
        '[{"handle": "ana", "name": "Ana \\udcff Ruiz", "bio": "caf\\udce9", '
        '"offers": ["CV \\ud800reviews"]}]',
        "utf-8",
    )
    (member,) = parse_member_file(path)
    assert (member.name, member.bio) == ("Ana \ufffd Ruiz", "caf\ufffd")
    assert member.offers == ("CV \ufffdreviews",)


def test_an_unsupported_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    path.write_text("")
    with pytest.raises(
        MemberImportError, match=r"^unsupported file type '.xlsx' \(use .*\.ndjson\)"
    ):
        parse_member_file(path)


def test_empty_columns_a_spreadsheet_saves_after_the_last_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("handle,name,,\nd1,Dee,,\n", "utf-8")
    [member] = parse_member_file(path)
    assert (member.handle, member.name) == ("d1", "Dee")
    path.write_text("handle,name,\nd1,Dee,python\n", "utf-8")
    with pytest.raises(MemberImportError, match=r"^line 2: a value in a column with no name"):
        parse_member_file(path)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("h" * 81 + ",Hugo,", "is longer than 80 characters"),
        ("hugo,Hugo," + "s" * 61, "is longer than 60 characters"),
        ("hu go,Hugo,", "may only use letters, digits, . _ -"),
    ],
)
def test_a_handle_or_skill_too_long_says_so(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "members.csv"
    path.write_text("handle,name,skills\n" + row + "\n", "utf-8")
    with pytest.raises(MemberImportError, match=f"^line 2: .*{problem}$"):
        parse_member_file(path)


def _without_line(member: MemberRecord) -> tuple[object, ...]:
    return (member.handle, member.name, member.timezone, member.skills, member.bio, member.offers)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("members.json", b"", "the file is empty"),
        ("members.jsonl", b"\n \n", "the file is empty"),
        ("members.csv", b"", "the file is empty"),
        ("members.csv", b"handle,name\n", "there is no member in it"),
        ("members.json", b"[]", "there is no member in it"),
    ],
)
def test_a_file_with_no_member_is_refused(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MemberImportError, match=f"^{problem}$"):
        parse_member_file(path)


@pytest.mark.parametrize("name", ["members.csv", "members.txt", "members.tsv"])
def test_a_file_saved_as_unicode_text_is_read_as_such(tmp_path: Path, name: str) -> None:
    """Spreadsheets and Notepad save "Unicode text" as UTF-16 (Excel in a .txt file,
    tab-separated), marked by its first bytes; it is read as that without being told."""
    path = tmp_path / name
    path.write_bytes("handle\tname\tskills\nzoe\tZoë Café\tpython\n".encode("utf-16"))
    [member] = parse_member_file(path)
    assert (member.handle, member.name, member.skills) == ("zoe", "Zoë Café", ("python",))


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_read_as_such(tmp_path: Path, order: str) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes("handle,name\nzoe,Zoë Café Ādam 一\n".encode(order))
    [member] = parse_member_file(path)
    assert (member.handle, member.name) == ("zoe", "Zoë Café Ādam 一")


def test_a_value_over_the_csv_limit_says_what_may_be_wrong() -> None:
    with pytest.raises(MemberImportError, match=r"^line 2: a value is longer than 131,072"):
        parse_members_csv(HEADER + "ana,Ana,,," + "x" * 140_000 + ",\n")


def test_an_imported_skill_keeps_the_words_that_say_more_than_the_skill_found_in_them() -> None:
    """ "Salesforce NPSP" was stored as crm alone: an ask for NPSP could not find the one
    member who knew it."""
    [isa] = parse_members_csv(
        HEADER + 'isa,Isabelle,,"Salesforce NPSP; Python programming; CVs",,\n', vocabulary
    )
    assert isa.skills == ("crm", "salesforce-npsp", "python", "resume")


def test_a_header_split_by_another_delimiter_says_which_to_pass() -> None:
    with pytest.raises(MemberImportError, match=r"separated by ',': try --delimiter ','$"):
        parse_members_csv(HEADER + "ana,Ana,,,,\n", delimiter=";")
    with pytest.raises(MemberImportError, match=r"separated by tabs: try --delimiter tab$"):
        parse_members_csv("handle\tname\tnickname\nana\tAna\tA\n")


def test_every_bad_row_is_named_at_once_and_none_is_imported() -> None:
    """An admin puts a spreadsheet right in one go, not one line a run."""
    rows = "ana,Ana,,,,\nben,,,,,\n,Cara,,,,\ndan,Dan,Mars/Base,,,\neve,Eve,,,,\nANA,Ana B,,,,\n"
    with pytest.raises(BadRows) as raised:
        parse_members_csv(HEADER + rows)
    assert [problem.line for problem in raised.value.problems] == [3, 4, 5, 7]
    said = str(raised.value)
    assert said.startswith("4 rows cannot be imported:")
    for line in ("line 3: name is missing", "line 4: handle is missing", "line 7: handle 'ANA'"):
        assert line in said


def test_rows_before_a_quote_left_open_are_named_with_it() -> None:
    with pytest.raises(BadRows) as raised:
        parse_members_csv(HEADER + 'ana,,,,,\nben,Ben,,,,,x\ncara,"Cara,,,,\n')
    lines = [problem.line for problem in raised.value.problems]
    assert lines == [2, 3, 4] and "never closed" in raised.value.problems[-1].problem


def test_every_bad_json_line_is_named_at_once() -> None:
    text = '{"handle": "a", "name": ""}\n{"handle": "b", "name": "B", "age": 3}\n[1]\n'
    with pytest.raises(BadRows) as raised:
        parse_members_json(text + '{"handle": "c", "name": "C"}\n')
    assert [problem.line for problem in raised.value.problems] == [1, 2, 3]


def test_a_file_with_many_bad_rows_names_ten_and_counts_the_rest() -> None:
    rows = "".join(f"h{n},,,,,\n" for n in range(25))
    with pytest.raises(BadRows) as raised:
        parse_members_csv(HEADER + rows)
    said = str(raised.value).splitlines()
    assert said[0] == "25 rows cannot be imported:"
    assert said[1:11] == [f"  line {n}: name is missing" for n in range(2, 12)]
    assert said[11:] == ["  and 15 more"]


def test_a_handle_given_twice_is_named_even_when_its_first_row_has_a_problem() -> None:
    with pytest.raises(BadRows) as raised:
        parse_members_csv(HEADER + "ann,Ann,Mars/X,,,\nbob,Bob,,,,\nann,Ann B,,,,\n")
    assert [str(problem) for problem in raised.value.problems] == [
        "line 2: unknown time zone 'Mars/X' (use an IANA name like Europe/Berlin)",
        "line 4: handle 'ann' already on line 2",
    ]


@pytest.mark.parametrize(
    ("parse", "text", "stopped_at"),
    [
        (parse_members_csv, HEADER + 'ann,,,,,\nbob,"Bo"b,,,,\ncy,,,,,\n', 3),
        (parse_members_json, '{"handle": "ann", "name": ""}\n{"handle": \n', 2),
        (parse_members_json, '[{"handle": "ann", "name": ""},\n{"handle" "bob"}]', 2),
    ],
)
def test_where_a_file_stops_being_readable_the_rows_before_are_named_and_the_rest_said_unread(
    parse: Any, text: str, stopped_at: int
) -> None:
    """An admin is not told to put "these rows" right as if they were all."""
    with pytest.raises(BadRows) as raised:
        parse(text)
    assert raised.value.problems[0].problem == "name is missing"
    assert raised.value.problems[-1].line == stopped_at and not raised.value.read_whole
    assert f"(the rows after line {stopped_at} could not be read)" in str(raised.value)
