"""The operators' errands: importing members, checking matches, the vectors, a digest
or a round previewed, and erasing a community that leaves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.app.rooms import Rooms
from bot.delivery import enqueue
from bot.directory import ReadingStopped
from bot.directory_import import MemberRecord
from bot.domain import Community, Member, was_forgotten
from bot.domain.identity import stored_id
from bot.errors import NotFound
from bot.messages import Message
from bot.ports import PostRef, UnitOfWork
from bot.render import round_preview
from bot.schedule import Scheduled, upcoming_round
from bot.text import quotable
from bot.use_cases import operations, privacy, round_planning, scheduled

log = logging.getLogger("bot.app")


class Errands(Rooms):
    """What operators ask of the bot, from the command line."""

    async def warm_up(self, *, stopping: Callable[[], bool] = lambda: False) -> int:
        """Read every community's helper directory now, so the first command in each
        does not wait for it; returns how many communities were read. Once
        ``stopping()`` is true it stops between two pages, keeping what it read whole."""
        async with self._uow() as uow:
            communities = await uow.communities.list()
        read = 0
        for community in communities:
            try:
                await self._helpers.refresh(community, stopping=stopping)
            except ReadingStopped:
                break
            read += 1
        return read

    async def read_words_again(self, community_key: str) -> None:
        """Encode again a community's words that its aliases changed the reading of
        (see :meth:`Vocabulary.read_for_meaning`), after an admin changed them; until
        then, and if it fails, those keep their old vectors."""
        try:
            encoded = await self.fill_vectors(community_key=community_key)
        except Exception:
            log.exception("could not encode %s's words again", community_key)
            return
        if encoded:
            log.info("encoded %d fields of %s again for its aliases", encoded, community_key)

    async def community(self, key: str) -> Community | None:
        async with self._uow() as uow:
            return await uow.communities.get_by_key(key)

    async def latest_post(self, key: str) -> PostRef | None:
        """Where the community's most recent channel post is (a console numbers its
        posts on from there)."""
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(key)
            post = await uow.posts.latest(community.id) if community and community.id else None
        return PostRef(post.channel_id, post.message_id) if post else None

    async def member_id_like(self, key: str, typed: str) -> str | None:
        """The platform id of community ``key``'s member whose id is ``typed``, ignoring
        case (for the console, where people type handles as they remember them)."""
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(key)
            if community is None or community.id is None:
                return None
            return await uow.members.platform_id_like(community.id, typed)

    async def communities(self) -> list[Community]:
        """Every community with its settings (for checking a deployment)."""
        async with self._uow() as uow:
            return list(await uow.communities.list())

    async def import_members(
        self,
        community_key: str,
        records: Sequence[MemberRecord],
        progress: operations.Progress | None = None,
    ) -> operations.ImportSummary:
        """Create or update members and their offers from a validated directory file,
        all or none (the vectors of their words come after: :meth:`fill_vectors`)."""
        async with self._uow() as uow:
            summary = await operations.import_directory(
                uow, community_key, records, self._clock.now(), progress
            )
            await uow.commit()
        return summary

    async def match(
        self, community_key: str, asks: Sequence[str], *, top: int
    ) -> list[operations.Matches]:
        """Who would be suggested for each ask right now, best first."""
        await self._helpers.refresh_key(community_key)
        now = self._clock.now()
        async with self._uow() as uow:
            return [
                await operations.match_text(
                    uow, self._helpers, self._encoder, community_key, ask, now, top=top
                )
                for ask in asks
            ]

    async def fill_vectors(
        self,
        *,
        community_key: str | None = None,
        progress: operations.Progress | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> int:
        """Encode the fields whose vectors are missing or out of date (see
        :func:`operations.fill_missing_vectors`); 0 with no sentence model. Once
        ``stopping()`` is true it stops between two pages."""
        if self._encoder is None:
            return 0
        community_id = None
        if community_key is not None:
            found = await self.community(community_key)
            if found is None:
                raise NotFound(f"There is no community {quotable(community_key)!r} here.")
            community_id = found.id
        return await operations.fill_missing_vectors(
            self._uow,
            self._encoder,
            community_id=community_id,
            progress=progress,
            stopping=stopping,
            reading=self._reading,
        )

    async def count_members(self, community_key: str | None = None) -> int:
        community_id = None
        if community_key is not None:
            found = await self.community(community_key)
            community_id = found.id if found else -1
        async with self._uow() as uow:
            return await uow.members.count(community_id)

    async def digest_preview(
        self, community_key: str, *, days: int = 7
    ) -> tuple[Community, Message] | None:
        """The community's digest of the last ``days`` days, as it would be posted now;
        None if there is no such community."""
        now = self._clock.now()
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(community_key)
            if community is None:
                return None
            digest = await scheduled.digest_for(uow, community, now - timedelta(days=days), now)
        return community, digest.message

    async def round_preview(self, community_key: str) -> Message | None:
        """The community's next give-first round as it would be planned now, with the
        reasons for each group; nothing is claimed or sent. None if there is no such
        community."""
        now = self._clock.now()
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(community_key)
            if community is None:
                return None
            slot = upcoming_round(community, now)
            if slot is None:
                return round_preview.preview_off(community)
            inputs = await round_planning.read_round(uow, community, slot, slot.slot)
        planned = await asyncio.to_thread(round_planning.compute_round, inputs, now)
        return round_planning.preview_message(planned)

    async def member_handle(self, key: str, handle: str) -> str | None:
        """The platform id of member ``handle`` of community ``key``, found as
        :meth:`export_member` and :meth:`forget_member` find it; None if there is no
        such member."""
        async with self._uow() as uow:
            _, member = await _member(uow, key, handle)
            return None if member is None else member.platform_user_id

    async def used_forget_me(self, key: str, handle: str) -> bool:
        """Whether member ``handle`` of community ``key`` asked to be forgotten (known
        by the fingerprint an import is kept from bringing them back with)."""
        async with self._uow() as uow:
            community, _ = await _member(uow, key, handle)
            kept_out = await uow.members.kept_out(stored_id(community))
        return was_forgotten(handle.removeprefix("@"), kept_out)

    async def export_member(self, key: str, handle: str) -> dict[str, Any] | None:
        """Everything held about one member, as ``/givefirst export`` sends it (an
        operator's answer to a request from a member who can no longer use the bot);
        None if there is no such member."""
        async with self._uow() as uow:
            _, member = await _member(uow, key, handle)
            return None if member is None else await privacy.export_member(uow, member)

    async def forget_member(self, key: str, handle: str) -> bool:
        """Erase one member's data as ``/givefirst forget-me`` does (an operator's
        answer to a request from a member who can no longer use the bot). The bot's
        posts of their words are removed, and others' posts that mention them made
        anonymous, through the outbox: by the scheduler, which reaches the platform.
        False if there is no such member."""
        now = self._clock.now()
        async with self._uow() as uow:
            community, member = await _member(uow, key, handle)
            if member is None:
                return False
            changes = await privacy.erase_member(uow, community, member, now)
            erased = Scheduled(f"forget-member:{member.id}", stored_id(community), changes)
            await enqueue(uow, [erased], now, self._metrics)
            await uow.commit()
        log.info("erased the data of a member of %s", key)
        return True

    async def forget_community(self, key: str) -> bool:
        """Erase everything personal a community holds (an operator's action, say when a
        workspace leaves): every member as by forget-me, and the community's name and
        settings; only anonymous counts remain. False if there is no such community.

        Rows stay rather than being deleted, so their ids, which scheduled work is
        claimed by, are never given to new rows (SQLite reuses the highest)."""
        now = self._clock.now()
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(key)
            if community is None or community.id is None:
                return False
            for member in await uow.members.list(community.id):
                if member.forgotten_at is None:
                    # Their posts are left: the bot may no longer be there to remove them.
                    await privacy.erase_member(uow, community, member, now)
            await uow.members.forget_kept_out(community.id)  # nobody is left to keep out
            community.forget()
            await uow.commit()
        log.info("erased the data of community %s", key)
        return True


async def _member(uow: UnitOfWork, key: str, handle: str) -> tuple[Community, Member | None]:
    """Community ``key`` and its member whose platform id is ``handle`` (with or
    without a leading @, in any case); :class:`NotFound` if there is no community."""
    community = await uow.communities.get_by_key(key)
    if community is None or community.id is None:
        raise NotFound(f"There is no community {key!r} in this database.")
    typed = handle.removeprefix("@")
    exact = await uow.members.platform_id_like(community.id, typed) or typed
    return community, await uow.members.get_by_platform_id(community.id, exact)
