"""Operator metrics in Prometheus's format, on a port of their own.

Off unless ``--metrics-port`` (or ``GIVEFIRST_METRICS_PORT``) is given: then the
serving process answers ``GET /metrics`` there, and nothing else, so the port can
stay inside the operator's network while the bot's own port faces the platforms.
Each process has its own registry; Prometheus adds up the processes it scrapes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext

from bot.metrics import Delivery, Outcome
from storage import Storage

log = logging.getLogger(__name__)

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
"""Seconds; platforms give up on an acknowledgement after three."""


class PrometheusMetrics:
    """:class:`bot.metrics.Metrics`, kept for Prometheus to read."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._handled = Counter(
            "givefirst_events_handled",
            "Commands, button presses and reactions handled, by command and outcome.",
            ["kind", "outcome"],
            registry=r,
        )
        self._ack = Histogram(
            "givefirst_ack_seconds",
            "From a platform's request arriving to its acknowledgement.",
            ["platform"],
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self._scheduler_runs = Counter(
            "givefirst_scheduler_runs", "Scheduler ticks in this process.", registry=r
        )
        self._claims = Counter(
            "givefirst_scheduler_claims",
            "Scheduled work claimed by this process, by kind (digest, expire, followup, …).",
            ["work"],
            registry=r,
        )
        self._messages = Counter(
            "givefirst_messages",
            "Messages delivered, failed for good, or held to retry; live replies or scheduled.",
            ["path", "result"],
            registry=r,
        )
        self._closed = Counter(
            "givefirst_closed_dm_marks",
            "Members marked as having closed DMs after a refused direct message.",
            registry=r,
        )
        self._database = Counter(
            "givefirst_database_errors",
            "Errors raised by the database driver.",
            ["kind"],
            registry=r,
        )

    def handled(self, kind: str, outcome: Outcome) -> None:
        self._handled.labels(kind, outcome).inc()

    def acknowledged(self, platform: str, seconds: float) -> None:
        self._ack.labels(platform).observe(seconds)

    def scheduler_ran(self) -> None:
        self._scheduler_runs.inc()

    def claimed(self, work: str) -> None:
        self._claims.labels(work).inc()

    def delivery(self, path: Literal["live", "scheduled"], result: Delivery) -> None:
        self._messages.labels(path, result).inc()

    def direct_messages_closed(self, members: int) -> None:
        self._closed.inc(members)

    def database_error(self, kind: str) -> None:
        self._database.labels(kind).inc()

    def watch(self, storage: Storage) -> None:
        """Count every error the database driver raises on this storage's connections."""
        event.listen(storage.engine.sync_engine, "handle_error", self._on_database_error)

    def _on_database_error(self, context: ExceptionContext) -> None:
        self.database_error(type(context.original_exception).__name__)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


@asynccontextmanager
async def serving_metrics(
    metrics: PrometheusMetrics | None, host: str, port: int | None
) -> AsyncIterator[None]:
    """Answer ``GET /metrics`` on ``host:port`` while the block runs; nothing without
    a port."""
    if metrics is None or port is None:
        yield
        return

    async def scrape(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("metrics for Prometheus on http://%s:%s/metrics", host, port)
    try:
        yield
    finally:
        await runner.cleanup()
