"""Settings to a running bot: storage, clock, the core and its scheduler, wired once.

The command line, the tests and the benchmarks all start givefirst through here, so
what they run is what operators run.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from threadpoolctl import threadpool_limits

from bot.app import GiveFirst
from bot.clock import SystemClock
from bot.ports import Clock
from bot.scheduler import Scheduler
from bot.sign_in import DashboardAccess
from bot.skills import Vocabulary, english_words
from givefirst.embedding import EmbeddingUnavailable, OnnxTextEncoder, load_encoder
from givefirst.metrics import PrometheusMetrics
from givefirst.settings import Settings
from storage import Storage

log = logging.getLogger("givefirst")

FULL_COLLECTION_THRESHOLD = 100
"""Young collections between two full ones (Python's default is 10)."""


@dataclass(frozen=True)
class Runtime:
    """What a process runs: its storage, its clock and the bot on them."""

    storage: Storage
    clock: Clock
    bot: GiveFirst

    def scheduler(self, *, platform: str | None = None, community: str | None = None) -> Scheduler:
        """A scheduler on the same storage, clock and match indexes as the bot."""
        return Scheduler(
            self.storage.unit_of_work,
            self.clock,
            platform=platform,
            community=community,
            helpers=self.bot.helpers,
            metrics=self.bot.metrics,
        )


async def open_storage(database_url: str | None) -> Storage:
    """Connect to the database (default: SQLite in this folder) and migrate it."""
    storage = Storage.connect(database_url)
    try:
        await storage.upgrade()
    except BaseException:
        await storage.dispose()
        raise
    return storage


@asynccontextmanager
async def running(
    database_url: str | None,
    clock: Clock | None = None,
    *,
    settings: Settings | None = None,
    matching: bool = False,
    dashboard: DashboardAccess | None = None,
    metrics: PrometheusMetrics | None = None,
) -> AsyncIterator[Runtime]:
    """Storage, clock and bot for the length of the block; the database is closed after.

    With ``matching``, the sentence model the settings choose is loaded too;
    ``dashboard`` says where sign-in links lead; ``metrics`` receives what the bot, its
    scheduler and the database count (see :mod:`givefirst.metrics`)."""
    one_thread_per_vector_product()
    encoder = choose_encoder(settings or Settings()) if matching else None
    storage = await open_storage(database_url)
    try:
        chosen = clock or SystemClock()
        if metrics is not None:
            metrics.watch(storage)
        bot = GiveFirst(
            storage.unit_of_work,
            chosen,
            # SQLite writes one transaction at a time whatever the process asks; on
            # PostgreSQL a second command's transaction runs while the first waits for
            # the server (at 100,000 members, four members at once: 36 -> 40 commands/s).
            concurrent_use_cases=2 if storage.dialect == "postgresql" else 1,
            encoder=encoder,
            dashboard=dashboard,
            metrics=metrics,
            reading=storage.reading,
        )
        yield Runtime(storage, chosen, bot)
    finally:
        await storage.dispose()
        if encoder is not None:
            encoder.close()


def choose_encoder(settings: Settings) -> OnnxTextEncoder | None:
    """The sentence model for matching, or None for the skill vocabulary alone
    (``GIVEFIRST_MATCHING=lexical``, or a model that cannot be loaded: then it says why)."""
    if settings.givefirst_matching == "lexical":
        log.info("matching: skill vocabulary and words only (GIVEFIRST_MATCHING=lexical)")
        return None
    try:
        encoder = load_encoder(settings.givefirst_embedding_model)
    except EmbeddingUnavailable as why:
        log.warning("matching by meaning is off: %s", why)
        return None
    log.info("matching: sentence model %s with the skill vocabulary", encoder.model_id)
    return encoder


@contextmanager
def reading_whole_directories() -> Iterator[None]:
    """While the helper directories are read whole, and once they are: no full garbage
    collections, then freeze what was read out of their reach, as
    :func:`settle_before_serving` froze the start-up heap. A large community's
    directory is millions of objects that live as long as the process; a collection
    walking them, which reading them would trigger again and again, stalls every event
    for a tenth of a second or more. Reading makes next to no garbage that only a
    collection could free, and what commands change later is new, and collected as
    usual."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def one_thread_per_vector_product() -> None:
    """Work out vector products (a search's scores) in the thread that asks for them.
    Left alone, numpy's BLAS shares each product among every core and keeps its threads
    spinning between products: a process serving several members at once then burns a
    core waiting, taken from the commands, the database and the sentence model (half of
    every command's CPU time in ``bench/growth.py``'s communities, for no faster
    answer)."""
    threadpool_limits(limits=1, user_api="blas")


def settle_before_serving() -> None:
    """Before serving: load what the first command would otherwise wait for, then
    freeze everything loaded so far (modules, the skill vocabulary, mappers) out of
    the garbage collector's reach. Its full collections then walk only what the bot
    creates as it runs, instead of pausing every event for tens of milliseconds to
    re-check hundreds of thousands of objects that live as long as the process.

    Full collections still pause everything for several milliseconds, and under load
    every acknowledgement in flight waits them out, so they are made ten times rarer.
    Memory is still freed as soon as it is unused (reference counting); only cycles
    of objects that outlived many collections wait longer to be found."""
    Vocabulary.default()
    english_words()  # the typo corrector's: 30-60 ms, in the first search that needs it
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_THRESHOLD)
