"""The boundaries in DESIGN.md hold: the core knows no platform or database and is
layered, use cases are reached only through GiveFirst, adapters never touch storage,
storage knows no platform, and no room of the core grows past a readable size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_CORE_MODULE_LINES = 400


def test_import_contracts_are_kept() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports; raise SystemExit(lint_imports())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 7 kept, 0 broken." in result.stdout


def test_no_module_of_the_core_is_longer_than_a_room_should_be() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "bot").rglob("*.py")
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_CORE_MODULE_LINES
    }
    assert long == {}, "split these into rooms named after what they do"
