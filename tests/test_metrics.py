"""What operators see on /metrics: the bot's own counts as a community uses it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from givefirst.bootstrap import running
from givefirst.metrics import PrometheusMetrics
from tests.core.conftest import Town
from tests.core.fakes import FakeChat


def value(metrics: PrometheusMetrics, name: str, **labels: str) -> float:
    shown = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + shown + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, metrics.exposition().decode(), re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_commands_deliveries_scheduled_work_closed_dms_and_database_errors(
    tmp_path: Path,
) -> None:
    metrics = PrometheusMetrics()
    clock = FakeClock()
    async with running(f"sqlite:///{tmp_path / 'x.db'}", clock, metrics=metrics) as runtime:
        town = Town(runtime.bot, FakeChat(), clock, runtime.storage.unit_of_work, runtime.storage)
        await town.say("admin", "/givefirst config channel <#general>")
        await town.say("ana", "/offer Happy to review resumes #resume")
        await town.say("dana", "/ask could someone look over my CV? #resume")
        await town.say("dana", "/givefirst dance")
        town.chat.dm_closed.add("ana")
        await town.press("dana", "Ask Ana")
        await town.say("ben", "/offer")
        clock.advance(timedelta(days=8))
        await town.run_due_work()

        with pytest.raises(Exception, match="nowhere"):
            async with runtime.storage.engine.connect() as connection:
                await connection.execute(text("SELECT * FROM nowhere"))

    assert value(metrics, "givefirst_events_handled_total", kind="MakeOffer", outcome="done") == 1
    assert value(metrics, "givefirst_events_handled_total", kind="MakeAsk", outcome="done") == 1
    assert value(metrics, "givefirst_events_handled_total", kind="unparsed", outcome="refused") == 1
    assert (
        value(metrics, "givefirst_events_handled_total", kind="MakeOffer", outcome="refused") == 1
    )
    # Ana's DMs are closed: the request to her could not be delivered, and she is marked.
    assert value(metrics, "givefirst_messages_total", path="live", result="failed") == 1
    assert value(metrics, "givefirst_messages_total", path="live", result="delivered") >= 6
    assert value(metrics, "givefirst_closed_dm_marks_total") == 1
    assert value(metrics, "givefirst_scheduler_runs_total") == 1
    assert value(metrics, "givefirst_scheduler_claims_total", work="digest") == 1
    # A week on: the digest, and Ana's unanswered request expired (Dana is told).
    assert value(metrics, "givefirst_scheduler_claims_total", work="expire") == 1
    assert value(metrics, "givefirst_messages_total", path="scheduled", result="delivered") == 2
    assert value(metrics, "givefirst_database_errors_total", kind="OperationalError") == 1
