"""The helper directory: who could help in each community, kept in memory and current.

A process reads a community once, in pages that leave the event loop free between
them, then only what changed since the revision it last saw (see
``storage/directory.py``), in a transaction of its own, so it only ever holds what
was committed. Several processes on one database each stay current the same way, and
no command reads the whole community or its history again: keeping current costs what
changed, and a search grows only with the vector product over every member's profile
(see ``bench/growth.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.directory.community import CommunityDirectory
from bot.domain import Community
from bot.domain.directory import DirectoryChanges
from bot.domain.identity import stored_id
from bot.matching import calibration
from bot.matching.fields import Vector
from bot.matching.hybrid import Ranking
from bot.matching.vectors import ProfileScores
from bot.ports import UnitOfWork
from bot.skills import Vocabulary

log = logging.getLogger(__name__)

__all__ = [
    "CommunityDirectory",
    "HelperDirectory",
    "RankedAhead",
    "ReadingStopped",
    "ranking_key",
]

UnitOfWorkFactory = Callable[[], UnitOfWork]

PAGE = 1_000
"""Members read at once when a community is read whole."""
SLICE = 25
"""Members (or asks) taken into the indexes at once, between two looks at the clock."""
TURN = 0.01
"""Seconds of taking changes in after which the event loop gets a turn: how long a
command's acknowledgement may wait while a large community is read. (A member takes
about 66 µs on average at 100,000 members, some several times that: a fixed count of
them per turn held the loop for up to 45 ms on a slow day.)"""
COMMUNITIES = 256
"""Communities a process keeps; the least recently used is dropped first."""
CALIBRATE_EVERY = 3600.0
"""Seconds between two readings of what came of a community's introductions (see
:mod:`bot.matching.calibration`)."""
OFF_LOOP_MEMBERS = 20_000
"""From this many members, a search's product over every profile runs in another thread
(about 3 ms at 20,000 members, 16 ms at 100,000 on the machine measured)."""

RankedAhead = Mapping[tuple[str, bool], Ranking]
"""Rankings a command made before its transaction, by :func:`ranking_key` (see
:meth:`HelperDirectory.rank_each`)."""


def ranking_key(text: str, vector: Vector | None) -> tuple[str, bool]:
    """What a ranking is known by: the ask's text, and whether it had a vector."""
    return text, vector is not None


class ReadingStopped(Exception):
    """A community's directory was not read whole: the process is stopping."""


def _key(community: Community) -> tuple[str, frozenset[tuple[str, str]]]:
    """A directory is read for a community with its aliases: new aliases, a new read."""
    return community.key, frozenset(community.aliases.items())


@dataclass(frozen=True)
class _Since:
    """A community's directory as last read, and what changed since, up to a revision
    (``changes`` None: nothing did)."""

    directory: CommunityDirectory
    revision: int
    changes: DirectoryChanges | None


class HelperDirectory:
    """The directories of the communities this process serves, read on first use and
    brought up to date when their revision moves on."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        *,
        model: str | None = None,
        dimensions: int | None = None,
        communities: int = COMMUNITIES,
    ) -> None:
        self._uow = unit_of_work
        self._model = model
        self._dimensions = dimensions if model else None
        self._size = communities
        self._directories: OrderedDict[tuple[str, frozenset[tuple[str, str]]], CommunityDirectory]
        self._directories = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def model(self) -> str | None:
        """The sentence model whose vectors are read, if any."""
        return self._model

    def current(self, community: Community) -> CommunityDirectory:
        """The community's directory as last read (see :meth:`refresh`), without reading:
        use cases call this inside their transaction, which must not wait for another
        one (a lock queued between the two would hold both for ever)."""
        key = _key(community)
        known = self._directories.get(key)
        if known is None:
            # Not read yet (the caller did not refresh): nobody to suggest this time.
            return CommunityDirectory(
                community.key,
                0,
                Vocabulary.for_aliases(community.aliases),
                self._dimensions,
            )
        self._directories.move_to_end(key)
        return known

    def vocabulary_of(self, community_key: str) -> Vocabulary:
        """A community's vocabulary as last read (the shipped one before any read), for
        what is worked out before its directory is brought up to date."""
        for (key, _), directory in reversed(self._directories.items()):
            if key == community_key:
                return directory.vocabulary
        return Vocabulary.default()

    async def rank(
        self,
        community: Community,
        ask_text: str,
        ask_vector: Vector | None,
        *,
        ahead: RankedAhead | None = None,
    ) -> Ranking:
        """The community ranked for an ask, from its directory as last read (see
        :meth:`current`)."""
        [ranking] = await self.rank_each(community, [(ask_text, ask_vector)], ahead=ahead)
        return ranking

    async def rank_each(
        self,
        community: Community,
        asks: Sequence[tuple[str, Vector | None]],
        *,
        ahead: RankedAhead | None = None,
    ) -> list[Ranking]:
        """:meth:`rank` for each of several asks (text and vector), those ranked
        ``ahead`` excepted: a command ranks before its transaction, where it holds up
        nobody else, and its transaction uses that ranking even if the directory took
        other members' changes meanwhile (it was as current as the command's start,
        and the rules are applied to the directory as it is now). The others share one
        product over every member's profile, and other events go on between two asks'
        searches."""
        directory = self.current(community)
        keys = [ranking_key(text, vector) for text, vector in asks]
        made = {key: ahead[key] for key in keys if ahead is not None and key in ahead}
        missing = {key: ask for key, ask in zip(keys, asks, strict=True) if key not in made}
        vectors = [vector for _, vector in missing.values()]
        profiles = await self._profile_scores(directory, vectors)
        for key, (text, vector), scores in zip(missing, missing.values(), profiles, strict=True):
            await asyncio.sleep(0)
            made[key] = directory.search.rank(text, vector, profiles=scores)
        return [made[key] for key in keys]

    @staticmethod
    async def _profile_scores(
        directory: CommunityDirectory, vectors: Sequence[Vector | None]
    ) -> list[ProfileScores | None]:
        """Every member's profile scored for each of these asks' vectors, in one
        product; in a large community, in another thread, so other events go on
        meanwhile (numpy lets go of the interpreter for it), in a pass shared with the
        other searches waiting for one (see :mod:`bot.directory.passes`)."""
        wanted = [vector for vector in vectors if vector is not None]
        if directory.vectors is None or not directory.meaning_ready() or not wanted:
            return [None] * len(vectors)
        if directory.passes is not None and len(directory.vectors) >= OFF_LOOP_MEMBERS:
            scored = iter(await directory.passes.scores(wanted))
        else:
            scored = iter(directory.vectors.profiles_now().scores_for(wanted))
        return [next(scored) if vector is not None else None for vector in vectors]

    async def maybe_closed(self, community: Community, user_ids: Collection[str]) -> set[str]:
        """Those of these members whose direct messages are marked closed, as of the
        last commit (reading only what changed since the directory's last read); all of
        them in a community this process has not read (it is not read for this)."""
        key = _key(community)
        if community.id is None or key not in self._directories:
            return set(user_ids)
        directory = await self.refresh(community)
        return directory.closed_dms.intersection(user_ids)

    async def refresh_key(self, community_key: str) -> Community | None:
        """:meth:`refresh` the community with this key, if there is one, reading what
        changed in the transaction that reads the community; the community as read."""
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(community_key)
            if community is None:
                return None
            since = await self._changes_since(uow, community, community.directory_revision)
        if since is None:
            await self.refresh(community)
        else:
            await self._apply_since(community, since)
        return community

    async def refresh(
        self, community: Community, *, stopping: Callable[[], bool] = lambda: False
    ) -> CommunityDirectory:
        """Bring the community's directory up to date, reading in transactions of its
        own: call it before the transaction that will use it, never inside one. A
        community read whole for the first time stops between two pages, raising
        :class:`ReadingStopped`, once ``stopping()`` is true."""
        key = _key(community)
        if key not in self._directories:
            async with self._lock(community.key):
                if key not in self._directories:  # else read meanwhile: caught up below
                    directory = await self._read_whole(community, stopping)
                    self._directories[key] = directory
                    while len(self._directories) > self._size:
                        self._directories.popitem(last=False)
                    await self._calibrate_if_due(community, directory)
                    return directory
        async with self._uow() as uow:
            revision = await uow.directory.revision(stored_id(community))
            since = await self._changes_since(uow, community, revision)
        if since is None:  # dropped meanwhile, for a community used more recently
            return await self.refresh(community, stopping=stopping)
        return await self._apply_since(community, since)

    def _lock(self, community_key: str) -> asyncio.Lock:
        return self._locks.setdefault(community_key, asyncio.Lock())

    async def _changes_since(
        self, uow: UnitOfWork, community: Community, revision: int
    ) -> _Since | None:
        """What changed in the community's directory, as last read, up to ``revision``;
        None if it was never read. Read without the community's lock: with the
        database slow or away, each command waits for its own reading only."""
        known = self._directories.get(_key(community))
        if known is None:
            return None
        if revision <= known.revision:
            return _Since(known, revision, None)
        changes = await uow.directory.changes(
            stored_id(community), known.revision, revision, model=self._model
        )
        return _Since(known, revision, changes)

    async def _apply_since(self, community: Community, since: _Since) -> CommunityDirectory:
        known = since.directory
        async with self._lock(community.key):
            # Unless caught up meanwhile: what was read is the state as of its revision,
            # so it may follow a catch-up to any earlier one.
            if since.changes is not None and since.revision > known.revision:
                ready = known.meaning_ready()
                await self._apply_gently(known, since.changes)
                known.revision = since.revision
                if known.meaning_ready() != ready:
                    _say_how_matched(known)
        if (key := _key(community)) in self._directories:
            self._directories.move_to_end(key)
        await self._calibrate_if_due(community, known)
        return known

    async def _calibrate_if_due(self, community: Community, directory: CommunityDirectory) -> None:
        """Once every :data:`CALIBRATE_EVERY` seconds, read what came of the community's
        recent introductions and set how far its best member must stand out to be
        suggested with confidence (see :mod:`bot.matching.calibration`)."""
        now = time.monotonic()
        last = directory.calibrated_at
        if directory.vectors is None or (last is not None and now - last < CALIBRATE_EVERY):
            return
        directory.calibrated_at = now  # one reading at a time
        async with self._uow() as uow:
            found = await uow.introductions.margin_outcomes(
                stored_id(community), calibration.RECENT
            )
        margin = calibration.confident_margin([calibration.MarginOutcome(*o) for o in found])
        if margin != directory.confident_margin:
            log.info(
                "%s: members are suggested with confidence when they stand out by %.2f "
                "(from what came of %d introductions; %.2f by default)",
                directory.key,
                margin,
                len(found),
                calibration.DEFAULT,
            )
        directory.calibrate(margin, now)

    async def _read_whole(
        self, community: Community, stopping: Callable[[], bool]
    ) -> CommunityDirectory:
        assert community.id is not None
        if stopping():
            raise ReadingStopped(community.key)
        async with self._uow() as uow:
            revision = await uow.directory.revision(community.id)
        directory = CommunityDirectory(
            community.key,
            revision,
            Vocabulary.for_aliases(community.aliases),
            self._dimensions,
        )
        after = read = 0
        while True:
            async with self._uow() as uow:
                page = await uow.directory.changes(
                    community.id, 0, revision, model=self._model, after_member=after, limit=PAGE
                )
            await self._apply_gently(directory, page)
            read += len(page.helpers)
            if len(page.helpers) < PAGE:
                break
            if stopping():
                raise ReadingStopped(community.key)
            after = page.helpers[-1].member_id
        log.info(
            "read the helpers of %s: %d members at revision %d",
            community.key,
            read,
            revision,
        )
        if not directory.meaning_ready():
            _say_how_matched(directory)
        return directory

    @staticmethod
    async def _apply_gently(directory: CommunityDirectory, changes: DirectoryChanges) -> None:
        """Take changes in slices, letting the event loop acknowledge every
        :data:`TURN` seconds."""
        asks, helpers = changes.asks, changes.helpers
        turn = time.perf_counter()
        for start in range(0, len(asks), SLICE):
            directory.apply_asks(asks[start : start + SLICE])
            turn = await _turn_if_due(turn)
        for start in range(0, len(helpers), SLICE):
            directory.apply(helpers[start : start + SLICE])
            turn = await _turn_if_due(turn)


async def _turn_if_due(since: float) -> float:
    """Give the event loop a turn if :data:`TURN` seconds have passed since the last
    one, at ``since``; when the last turn now was."""
    if time.perf_counter() - since < TURN:
        return since
    await asyncio.sleep(0)
    return time.perf_counter()


def _say_how_matched(directory: CommunityDirectory) -> None:
    """Log a change between matching by meaning and by words alone (see
    :meth:`CommunityDirectory.meaning_ready`)."""
    if directory.vectors is None:
        return
    if directory.meaning_ready():
        log.info("%s: matching by meaning and words again", directory.key)
    else:
        log.info(
            "%s: matching by words alone until more members have vectors of the sentence "
            "model (%d of %d so far; `givefirst db embed` makes them at once)",
            directory.key,
            len(directory.vectors),
            len(directory.with_words),
        )
