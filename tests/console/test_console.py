"""The console adapter end to end: the real CLI, real SQLite, text in and out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def givefirst(
    *args: str,
    stdin: str = "",
    database: Path | None = None,
    folder: Path = ROOT,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real command line in a process of its own; with no ``database``, the
    default one (``givefirst.db`` in ``folder``), as a newcomer would have it."""
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **(env or {})}
    if database is not None:
        environment["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, "-m", "givefirst.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        cwd=folder,
        check=False,
    )


def test_the_demo_tells_a_whole_give_first_story(tmp_path: Path) -> None:
    result = givefirst("demo", database=tmp_path / "demo.db")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "nothing logged into the conversation"
    out = result.stdout
    story = [
        "── #community · post 1\n  🎁 @ana can help:",  # an offer, posted to the channel
        "These members could help",  # suggestions for an ask
        "── DM to @ana\n  👋 @dana is looking for help",  # the helper is asked first
        "── DM to @dana + @ana\n  ━ 🤝 @dana, meet @ana!",  # both said yes
        "Did you connect with @ana? Did it help?",  # the follow-up, days later
        "💛 Pay it forward?",  # paying it forward
        "🙏 @dana thanked @ana",  # public thanks
        "Given: 0 offers, 0 introductions as a helper, 1 thank-you sent.",  # her balance
        "── #community · preview, not posted\n  ━ 🌱 This week in give-first",  # the digest
        "👋 Welcome: @ana, @ben, @chen, @eve, @farid, @dana\n",  # nobody hidden
        "Look around:\n  givefirst stats\n",  # what to try next
    ]
    positions = [out.find(step) for step in story]
    assert -1 not in positions, [s for s, p in zip(story, positions, strict=True) if p == -1]
    assert positions == sorted(positions), "the story happens in order"
    assert out.count("This week in give-first") == 1, "one digest, not two that disagree"
    assert "Something went wrong" not in out and "**" not in out


def test_a_shell_session_acts_as_different_members(tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                "/as ana",
                "/offer happy to review resumes #resume",
                "/as dana",
                "/ask could someone look over my CV?",
                "/press 2",  # the reply to Dana comes first, then her post
                "/as ana",
                "/press 4",
                "/as dana",
                "/wait 7d",
                "/offer",
                "/givefirst dance",
                "/quit",
            ]
        )
        + "\n"
    )
    result = givefirst("shell", stdin=script, database=tmp_path / "shell.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "(you are now @dana)" in out
    assert "[2: Ask ana]" in out
    assert "(@dana presses “Ask ana”)" in out
    assert "(@ana presses “Happy to help”)" in out
    assert "━ 🤝 @dana, meet @ana!" in out
    assert "Did you connect with @ana?" in out
    assert "Your offer is empty" in out
    assert "`/givefirst dance` isn't something I know" in out

    # The data outlives the session: a new one on the same database sees it.
    stats = givefirst("stats", "--json", database=tmp_path / "shell.db")
    assert '"requests_accepted": 1' in stats.stdout


def test_the_shells_own_commands_say_how_to_use_them(tmp_path: Path) -> None:
    script = "/as\n/as two words\n/press\n/as @Ana\n/offer resume reviews #resume\n/as ana\n"
    result = givefirst("shell", stdin=script, database=tmp_path / "shell.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("(usage: /as NAME") == 2
    assert "(usage: /press NUMBER" in out and "there is no button 0" not in out
    assert "(you are now @ana)" in out, "a name is a handle: @Ana is ana"
    assert "🎁 @ana can help" in out


def test_numbers_the_shell_cannot_read_are_told_not_a_traceback(tmp_path: Path) -> None:
    """Superscripts and circled numbers are digits to Python's isdigit, not to int."""
    long = "9" * 5000
    script = f"²\n/press ³\n/react ① 🙋\n{long}\n/press {long}\n/wait {long}d\n/givefirst pause ²\n"
    result = givefirst("shell", stdin=script, database=tmp_path / "shell.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Something went wrong" not in out and "Traceback" not in result.stderr
    assert "(givefirst reads commands, not chat" in out, "² is not a button's number"
    assert out.count("(usage: /press NUMBER") == 1 and "(usage: /react" in out
    assert out.count("(there is no button") == 2 and "(usage: /wait 7d" in out
    assert f"(there is no button {long})" in out, "the number as typed"
    assert "`²` is not a whole number" in out


def test_the_shell_echoes_piped_lines_without_their_control_characters(tmp_path: Path) -> None:
    script = "/offer resume help\x07\x1b[31m red \u202eevil 👩\u200d💻\n"
    result = givefirst("shell", stdin=script, database=tmp_path / "shell.db")
    assert result.returncode == 0, result.stderr
    assert "\x07" not in result.stdout and "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "@admin> /offer resume help red evil 👩\u200d💻" in result.stdout, "codes go whole"


def test_a_raised_hand_of_any_skin_tone_volunteers_in_the_console(tmp_path: Path) -> None:
    script = "/as dana\n/ask anyone know about buying a used car?\n/as ben\n/react 1 🙋🏽\n"
    result = givefirst("shell", stdin=script, database=tmp_path / "shell.db")
    assert result.returncode == 0, result.stderr
    assert "@ben would like to help with your ask" in result.stdout


def test_a_button_only_one_member_sees_is_pressed_by_them_alone(tmp_path: Path) -> None:
    """In a chat only Dana sees the button under her forget-me question; in the shell
    another member pressing its number is told whose it is, and nothing is erased."""
    script = "/as dana\n/offer happy to proofread essays\n/givefirst forget-me\n/as ben\n2\n"
    result = givefirst(
        "shell", stdin=script + "/as dana\n/givefirst me\n", database=tmp_path / "b.db"
    )
    assert result.returncode == 0, result.stderr
    assert "(button 2 is in a message only @dana sees: /as dana to press it)" in result.stdout
    assert "erased your data" not in result.stdout
    assert "happy to proofread essays" in result.stdout.rpartition("@dana> /givefirst me")[2]


def test_two_shells_at_once_number_their_posts_apart(tmp_path: Path) -> None:
    """A shell left open while another posts in the same community numbers its next
    post after the other's, and every post is recorded (no error in between)."""
    database = tmp_path / "two.db"
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    environment["DATABASE_URL"] = f"sqlite:///{database}"
    first = subprocess.Popen(
        [sys.executable, "-m", "givefirst.cli", "shell", "--community", "console:x"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=ROOT,
    )
    assert first.stdin is not None and first.stdout is not None
    first.stdin.write("/as ana\n/offer happy to help with knitting\n")
    first.stdin.flush()
    seen = ""
    while "post 1" not in seen:  # the first shell has posted and recorded it
        line = first.stdout.readline()
        assert line, "the first shell stopped early"
        seen += line
    second = givefirst(
        "shell",
        "--community",
        "console:x",
        stdin="/as ben\n/offer pottery lessons\n",
        database=database,
    )
    assert "── #community · post 2" in second.stdout, second.stdout
    rest, errors = first.communicate("/offer baking tips\n/quit\n", timeout=120)
    assert "── #community · post 3" in rest, rest
    assert "could not record" not in errors and "Traceback" not in errors, errors


def test_the_shell_acts_as_an_imported_member_whatever_the_case_typed(tmp_path: Path) -> None:
    """An imported Slack ID (``U2``) is the member ``/as u2`` and ``@u2`` mean, rather
    than a new, empty member; a name nobody has yet is one member in any case."""
    directory = tmp_path / "members.csv"
    directory.write_text("handle,name,skills\nU2,Ulla Berg,python\nana,Ana,resumes\n", "utf-8")
    database = tmp_path / "case.db"
    imported = givefirst(
        "import-members", str(directory), "--community", "console:x", database=database
    )
    assert imported.returncode == 0, imported.stderr
    script = (
        "/as u2\n/skills list\n/thanks @ANA for the tips\n"
        "/as Zed\n/offer pottery\n/as zed\n/givefirst me\n"
    )
    result = givefirst("shell", "--community", "console:x", stdin=script, database=database)
    assert result.returncode == 0, result.stderr
    assert "(you are now @U2)" in result.stdout
    assert "python" in result.stdout.split("@U2> /skills list")[1].split("@U2>")[0]
    assert "🙏 @U2 thanked @ana" in result.stdout
    assert "Given: 1 offer" in result.stdout.rpartition("@zed> /givefirst me")[2]


def test_members_mentioned_in_an_ask_read_as_typed_in_its_post(tmp_path: Path) -> None:
    script = "/as ana\n/offer CV reviews\n/as ben\n/ask could @ana look at my cv? not <b>bold</b>\n"
    result = givefirst("shell", stdin=script, database=tmp_path / "m.db")
    assert result.returncode == 0, result.stderr
    post = result.stdout.split("@ben is looking for help:")[1]
    assert "│ could @ana look at my cv? not <b>bold</b>" in post and "<@ana>" not in post


def test_the_shell_leaves_slack_and_discord_communities_alone(tmp_path: Path) -> None:
    """The shell's /wait moves time for the whole database: with a Slack community in
    it, the Slack members' offers would expire and their follow-ups be printed here."""
    database = tmp_path / "shared.db"
    members = str(ROOT / "tests" / "data" / "members_sample.csv")
    imported = givefirst("import-members", members, "--community", "slack:T0123", database=database)
    assert imported.returncode == 0, imported.stderr
    refused = givefirst("shell", "--community", "slack:T0123", database=database)
    assert refused.returncode == 2
    assert "the shell acts in console communities" in refused.stderr
    assert "`givefirst slack`" in refused.stderr

    result = givefirst("shell", stdin="/wait 40d\n/wait 50d\n", database=database)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(/wait is off here") == 2
    assert "holds slack:T0123" in result.stdout and "later …" not in result.stdout
    exported = givefirst("db", "export-member", "slack:T0123", "ana", database=database)
    assert '"status": "open"' in exported.stdout and '"expired"' not in exported.stdout


def test_the_shell_shows_its_own_communitys_scheduled_messages_only(tmp_path: Path) -> None:
    database = tmp_path / "two.db"
    offered = givefirst(
        "shell",
        "--community",
        "console:a",
        stdin="/as ana\n/offer resume reviews\n",
        database=database,
    )
    assert offered.returncode == 0, offered.stderr
    other = givefirst(
        "shell", "--community", "console:b", stdin="/wait 31d\n/wait 8d\n", database=database
    )
    assert other.returncode == 0, other.stderr
    assert "still relevant" not in other.stdout, "console:a's message, in console:b's shell"
    # Nor did console:b's clock close console:a's offer unasked.
    ana = givefirst("db", "export-member", "console:a", "ana", database=database)
    assert '"status": "open"' in ana.stdout and '"expired"' not in ana.stdout
    own = givefirst("shell", "--community", "console:a", stdin="/wait 31d\n", database=database)
    assert own.stdout.count("Is your offer still relevant?") == 1


def test_an_import_with_bad_rows_names_them_all_and_imports_nobody(tmp_path: Path) -> None:
    directory = tmp_path / "members.csv"
    directory.write_text("handle,name\nana,Ana\nben,\n,Cara\ndan,Dan\n", "utf-8")
    database = tmp_path / "bad.db"
    imported = givefirst(
        "import-members", str(directory), "--community", "console:x", database=database
    )
    assert imported.returncode == 1 and "Traceback" not in imported.stderr
    assert "2 rows cannot be imported:" in imported.stderr
    assert "line 3: name is missing" in imported.stderr
    assert "line 4: handle is missing" in imported.stderr
    assert "Nothing was imported" in imported.stderr
    assert not database.exists(), "the file is read whole before anything is written"


def test_an_import_in_an_encoding_that_is_no_text_encoding_says_so(tmp_path: Path) -> None:
    directory = tmp_path / "members.csv"
    directory.write_text("handle,name\nana,Ana\n", "utf-8")
    for encoding in ("rot13", "base64", "no-such-thing"):
        imported = givefirst(
            "import-members",
            str(directory),
            "--community",
            "console:x",
            "--encoding",
            encoding,
            database=tmp_path / "e.db",
        )
        assert imported.returncode == 2 and "Something went wrong" not in imported.stderr
        assert f"'{encoding}' is not an encoding I know" in imported.stderr


def test_an_import_off_a_terminal_says_how_far_it_has_got(tmp_path: Path) -> None:
    """In a log or a container's output, where no progress bar is drawn, a long import
    is seen to move: a line at each tenth of the way."""
    directory = tmp_path / "members.csv"
    rows = "".join(f"u{n},User {n},python,Happy to look at CVs {n}\n" for n in range(40))
    directory.write_text("handle,name,skills,offers\n" + rows, "utf-8")
    imported = givefirst(
        "import-members", str(directory), "--community", "console:x", database=tmp_path / "p.db"
    )
    assert imported.returncode == 0, imported.stderr
    said = imported.stderr.splitlines()
    assert "Importing: 40 of 40 (100%)" in said, imported.stderr
    assert "Reading their words: 40 of 40 (100%)" in said, imported.stderr
    assert len([line for line in said if line.startswith("Importing:")]) <= 10
