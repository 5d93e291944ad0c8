"""Fixtures that run the real discord.py client against the local fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from givefirst.testing.fake_discord import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def client_options() -> dict[str, Any]:
    return {"guild_ready_timeout": 0.1}
