"""What givefirst counts for the people who run it: events handled, how fast they were
acknowledged, scheduled work, deliveries, closed DMs, database errors.

The core and the adapters report through :class:`Metrics`; the composition root
gives them one that Prometheus reads (``givefirst.metrics``), or nothing is counted.
"""

from __future__ import annotations

from typing import Literal, Protocol

Outcome = Literal["done", "refused", "failed"]
Delivery = Literal["delivered", "failed", "retried"]


class Metrics(Protocol):
    def handled(self, kind: str, outcome: Outcome) -> None:
        """A command, button press or reaction (``kind``: ``MakeAsk``, …) was handled."""
        ...

    def acknowledged(self, platform: str, seconds: float) -> None:
        """A platform's request was acknowledged this long after it arrived."""
        ...

    def scheduler_ran(self) -> None:
        """One scheduler tick."""
        ...

    def claimed(self, work: str) -> None:
        """Scheduled work (``digest``, ``expire``, ``followup``, …) was claimed."""
        ...

    def delivery(self, path: Literal["live", "scheduled"], result: Delivery) -> None:
        """A message was delivered, failed for good, or is held to be retried."""
        ...

    def direct_messages_closed(self, members: int) -> None:
        """Members were marked as having closed DMs."""
        ...

    def database_error(self, kind: str) -> None: ...


class NoMetrics:
    """Counts nothing: the default, when no one is watching."""

    def handled(self, kind: str, outcome: Outcome) -> None:
        pass

    def acknowledged(self, platform: str, seconds: float) -> None:
        pass

    def scheduler_ran(self) -> None:
        pass

    def claimed(self, work: str) -> None:
        pass

    def delivery(self, path: Literal["live", "scheduled"], result: Delivery) -> None:
        pass

    def direct_messages_closed(self, members: int) -> None:
        pass

    def database_error(self, kind: str) -> None:
        pass
