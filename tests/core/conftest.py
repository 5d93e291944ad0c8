"""A small community to tell stories with: members type commands and press buttons,
and the tests read what the bot said to whom."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import GiveFirst, Handled
from bot.clock import FakeClock
from bot.commands import Actor
from bot.messages import Button, ChannelPost, DirectMessage, Ephemeral, Message
from bot.ports import UnitOfWork
from givefirst.embedding import OnnxTextEncoder, load_encoder
from storage import Storage
from tests.conftest import storage_for
from tests.core.fakes import FakeChat, FakeStore, FakeUnitOfWork

COMMUNITY = "console:test"
ADMINS = frozenset({"admin"})


@dataclass
class Town:
    """One community: its bot, its chat, its clock."""

    bot: GiveFirst
    chat: FakeChat
    clock: FakeClock
    unit_of_work: Callable[[], UnitOfWork]
    storage: Storage | None = None
    community: str = COMMUNITY

    def actor(self, who: str) -> Actor:
        return Actor(
            self.community, who, who.title(), is_platform_admin=who in ADMINS, channel_id="general"
        )

    async def say(self, who: str, line: str) -> Handled:
        command, _, rest = line.partition(" ")
        rest = re.sub(
            r"(?<![\w<])@(\w+)",
            lambda m: (
                m.group(0) if m.group(1) in ("everyone", "here", "channel") else f"<@{m.group(1)}>"
            ),
            rest,
        )
        return await self.bot.slash_command(self.actor(who), command, rest, self.chat)

    async def forget(self, who: str) -> Handled:
        """``who`` uses forget-me, and confirms it."""
        await self.say(who, "/givefirst forget-me")
        return await self.press(who, "Erase my data")

    async def on_record(self, who: str) -> bool:
        """Whether the community holds a member by this platform id."""
        async with self.unit_of_work() as uow:
            community = await uow.communities.get_by_key(self.community)
            if community is None or community.id is None:
                return False
            return await uow.members.get_by_platform_id(community.id, who) is not None

    async def press(self, who: str, label: str) -> Handled:
        """Press the newest button starting with ``label`` that ``who`` can see."""
        visible = [
            s.message
            for s in self.chat.sent
            if isinstance(s.message.to, ChannelPost) or s.message in self.seen_by(who)
        ]
        for message in reversed(visible):
            for button in message.buttons:
                if button.label.startswith(label):
                    return await self.bot.button(
                        self.actor(who), button.action, button.value, self.chat
                    )
        raise AssertionError(f"{who} sees no button {label!r}")

    async def press_button(self, who: str, button: Button) -> Handled:
        return await self.bot.button(self.actor(who), button.action, button.value, self.chat)

    async def react(self, who: str, post: Message, reaction: str) -> Handled:
        ref = next(s.ref for s in self.chat.sent if s.message is post)
        assert ref is not None
        return await self.bot.reaction(
            self.actor(who), ref.channel_id, ref.message_id, reaction, self.chat
        )

    def seen_by(self, who: str) -> list[Message]:
        """Everything addressed to one member privately (ephemeral or DM), oldest first."""
        out = []
        for sent in self.chat.sent:
            to = sent.message.to
            if (isinstance(to, Ephemeral) and to.user_id == who) or (
                isinstance(to, DirectMessage) and who in to.user_ids
            ):
                out.append(sent.message)
        return out

    def last_to(self, who: str) -> str:
        return self.seen_by(who)[-1].as_plain_text()

    def channel(self) -> list[Message]:
        return [s.message for s in self.chat.sent if isinstance(s.message.to, ChannelPost)]

    def dms_between(self, *users: str) -> list[Message]:
        return [
            s.message
            for s in self.chat.sent
            if isinstance(s.message.to, DirectMessage) and set(s.message.to.user_ids) == set(users)
        ]

    async def run_due_work(self) -> int:
        return await self.bot.run_due_work(lambda community: self.chat)


@pytest.fixture(
    params=[
        pytest.param("memory"),
        pytest.param("sqlite"),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def town(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Town]:
    """The same stories against the in-memory fakes, SQLite and PostgreSQL."""
    clock = FakeClock()
    if request.param == "memory":
        store = FakeStore()

        def unit_of_work() -> UnitOfWork:
            return FakeUnitOfWork(store)

        yield Town(GiveFirst(unit_of_work, clock), FakeChat(), clock, unit_of_work)
        return
    async for storage in storage_for(request.param, tmp_path):
        yield Town(
            GiveFirst(storage.unit_of_work, clock), FakeChat(), clock, storage.unit_of_work, storage
        )


@pytest.fixture(scope="session")
def sentence_model() -> OnnxTextEncoder:
    """The sentence model givefirst ships, loaded once for the tests that use it."""
    return load_encoder()


@pytest.fixture(
    params=[
        pytest.param("memory"),
        pytest.param("sqlite"),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def meaning_town(
    request: pytest.FixtureRequest, tmp_path: Path, sentence_model: OnnxTextEncoder
) -> AsyncIterator[Town]:
    """A town whose bot matches by meaning too, as it does by default."""
    clock = FakeClock()
    if request.param == "memory":
        store = FakeStore()

        def unit_of_work() -> UnitOfWork:
            return FakeUnitOfWork(store)

        bot = GiveFirst(unit_of_work, clock, encoder=sentence_model)
        yield Town(bot, FakeChat(), clock, unit_of_work)
        return
    async for storage in storage_for(request.param, tmp_path):
        bot = GiveFirst(storage.unit_of_work, clock, encoder=sentence_model)
        yield Town(bot, FakeChat(), clock, storage.unit_of_work, storage)
