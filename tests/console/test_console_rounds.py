"""Give-first rounds in the console: `/wait` lets a round start, and it prints."""

from __future__ import annotations

from pathlib import Path

from tests.console.test_console import givefirst


def test_waiting_in_the_shell_plays_a_round(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/as admin",
            "/givefirst config rounds every 1 week monday 10:00",
            "/as ana",
            "/offer I can debug Kubernetes deployments #kubernetes",
            "/givefirst rounds join",
            "/as ben",
            "/ask could someone help me deploy to kubernetes?",
            "1",  # "Join the rounds", the first button: under the announcement
            "/wait 8d",
            "/quit",
        ]
    )
    result = givefirst("shell", stdin=script + "\n", database=tmp_path / "shell.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "☕ Give-first rounds are starting" in out
    assert "(@ben presses “Join the rounds ☕”)" in out
    assert "── DM to @ana + @ben\n  ━ ☕ Give-first round: @ana and @ben, meet each other!" in out
    assert "🎁 @ana could give @ben a hand" in out
    assert ": We met 🎉]" in out
    stats = givefirst("stats", "--json", database=tmp_path / "shell.db")
    assert '"round_members": 2' in stats.stdout
    assert '"round_groups": 1' in stats.stdout
