"""How a community is doing, from the command line, and an admin's sign-in link in the
console: the real CLI on real SQLite."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from tests.console.test_console import givefirst

SESSION = "\n".join(
    [
        "/as ana",
        "/offer happy to review resumes #resume",
        "/as dana",
        "/ask could someone look over my CV?",
        "/press 2",  # "Ask ana", in the reply Dana sees before her post
        "/as ana",
        "/press 4",
        "/as erin",
        "/ask private: where do I find a quasarlens grinder? #quasarlens",
        "/quit",
    ]
)


def test_stats_prints_every_figure_as_a_table_json_and_csv(tmp_path: Path) -> None:
    database = tmp_path / "shell.db"
    assert givefirst("shell", stdin=SESSION + "\n", database=database).returncode == 0

    table = givefirst("stats", "--community", "console:shell", "--weeks", "4", database=database)
    assert table.returncode == 0, table.stderr
    rows = {line[:42].strip(): line[42:].split() for line in table.stdout.splitlines()}
    header = table.stdout.splitlines()[1].split()
    assert header[:4] == ["figure", "all", "time", "4"], "all time, the weeks together, each week"
    assert rows["Asks made"][:2] == ["2", "2"]
    assert rows["private"][:2] == ["1", "1"]
    assert rows["Asks that led to an introduction"][:2] == ["50%", "50%"]
    assert rows['"Nobody yet" rate'][:2] == ["50%", "50%"]
    assert rows["Introduction requests accepted"][:2] == ["1", "1"]
    assert "quasarlens" not in table.stdout, "a private ask's own tags are never shown"

    as_json = givefirst("stats", "--json", database=database)
    [community] = json.loads(as_json.stdout)
    assert community["community"] == "console:shell"
    assert community["all_time"]["asks"] == 2
    assert community["all_time"]["new_tie_share"] == 1.0
    assert len(community["weeks"]) == 12

    as_csv = givefirst("stats", "--csv", "--weeks", "2", database=database)
    rows_csv = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["period"] for r in rows_csv] == ["week", "week so far", "2 weeks", "all time"]
    assert rows_csv[-1]["asks"] == "2" and rows_csv[-1]["requests_accepted"] == "1"

    missing = givefirst("stats", "--community", "console:nowhere", database=database)
    assert missing.returncode != 0 and "no community 'console:nowhere'" in missing.stderr


def test_an_admin_in_the_shell_gets_a_sign_in_link_for_their_eyes_only(tmp_path: Path) -> None:
    script = "/as dana\n/givefirst dashboard\n/as admin\n/givefirst dashboard\n/quit\n"
    result = givefirst("shell", stdin=script, database=tmp_path / "shell.db")
    assert result.returncode == 0, result.stderr
    refusal, _, granted = result.stdout.partition("@admin> /givefirst dashboard")
    assert "Only community admins can open the dashboard" in refusal
    assert "/sign-in/" not in refusal
    assert re.search(
        r"── only @admin sees\n  📊 Open your community's dashboard: "
        r"http://127\.0\.0\.1:8080/admin/console:shell/sign-in/[\w-]+\.[\w-]+ ",
        granted,
    ), granted


def test_web_prints_a_sign_in_link_only_for_console_communities(tmp_path: Path) -> None:
    refused = givefirst("web", "--sign-in", "slack:T0123", database=tmp_path / "x.db")
    assert refused.returncode == 2
    assert "/givefirst dashboard" in refused.stderr
