"""What ``givefirst check`` found about one part of a deployment.

The database, each platform and the machine are checked by the layer that knows
them (``storage``, ``adapters.slack``, ``adapters.discord``, the composition root);
each says what it found in these words, and the command line prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(Enum):
    OK = "ok"
    WARN = "warn"
    """Works, but not as well as it could, or could not be checked."""
    FAIL = "fail"
    """givefirst cannot do part of its work until this is fixed."""


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, what was found, and how to fix it."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    @classmethod
    def ok(cls, name: str, detail: str) -> Check:
        return cls(name, Status.OK, detail)

    @classmethod
    def warn(cls, name: str, detail: str, fix: str = "") -> Check:
        return cls(name, Status.WARN, detail, fix)

    @classmethod
    def fail(cls, name: str, detail: str, fix: str) -> Check:
        return cls(name, Status.FAIL, detail, fix)

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL


CHECK_SECONDS = 5.0
"""How long one check may wait for a server before it is reported as not answering."""
