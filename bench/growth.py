"""How the cost of members' commands grows as a community grows.

Run from the repository root:

    python -m bench.growth [--members 1000,10000,100000] [--history AUTO] [--waiting 10000]
                           [--commands 200] [--clients 4] [--api-ms 0] [--pause-ms 0]
                           [--postgres URL] [--no-sqlite]

For each size (and each database: SQLite, and PostgreSQL with --postgres or
GIVEFIRST_TEST_POSTGRES_URL), a fresh database is seeded with one Slack community of
that many members — skills from the shipped vocabulary (two of one area, some a third
of another), a bio for some, open offers for most — ``--history`` past introductions
between random members over the last six months (a few within the last seven days,
pending or accepted, so the helpers' weekly load rules bite), each on a past ask that
is solved or closed, and ``--waiting`` asks still looking for a helper. By default the
history is 10,000 introductions for communities under 100,000 members and 100,000 from
100,000 members up. Every field carries a vector of the sentence model in use (each
distinct text is encoded once, and cached between runs in the temporary folder), and
every row is stamped with the community's directory revision, as the bot itself
leaves them: a process started on the database reads every member and every waiting
ask, and has nothing left to encode.

Then a process of its own starts as ``givefirst slack`` does (``running`` with matching
on, the helper directories read in the background as ``serve.reading`` does, the Bolt
app of ``create_app`` with its Web API client aimed at the local fake Slack of
:mod:`givefirst.testing.fake_slack`, ``settle_before_serving``, HTTP on 127.0.0.1) and
is measured:

* start-up: from opening the database until the server listens, and until the first
  ``/ask`` — sent the moment it listens, so it lands while the community is still
  being read, "right after a restart" — is acknowledged and answered; how long reading
  the community took (``read s``); the longest event-loop stall while serving during
  start-up (until the reading in the background is done and the first ask answered);
* serving: ``--commands`` signed ``/ask`` and ``/offer`` commands, alternating, each
  from a different member, ``--clients`` at once, each client sending its next command
  once the previous one is answered through its response URL, as members would (and
  ``--pause-ms`` after it: with one client and a pause, each command lands on a bot
  that has finished the previous one's follow-up work, as at a quiet moment). Per
  kind: the time to the HTTP acknowledgement (``ack``) and to the first answer
  (``reply``), p50 and p99 (with 100 of each, p99 is close to the worst); ``cmds/s``,
  the rate at which commands were completely handled (follow-up work included); the
  longest stall of a 10 ms ticker; how many acknowledgements took over 3 s (Slack's
  limit); errors (failed requests, missing answers, anything logged as an error);
* memory: peak RSS of the serving process (VmHWM), RSS after serving, RSS once the
  bot and sentence model were loaded but before the community was read (``base``),
  and the read model's own size (``model``: the community's in-memory directory,
  measured by walking its objects after serving), with ``RSS/model`` the peak RSS
  over that size and ``grew/model`` the peak RSS growth over the base over it.

Each database is seeded by one subprocess and served by another, so neither the
seeding nor an earlier size inflates a later size's memory. A sanity line says how
many ``/ask`` answers named at least one helper: a benchmark in which nothing matches
would hide the real cost of matching. The summary ends with growth factors: each
size's figure over the smallest size's on the same database. The targets are
``/ask`` and ``/offer`` p50 ≤ 15 ms and p99 ≤ 60 ms at 100,000 members, at most 2×
between 100,000 and 1,000 members, no stall over 50 ms while serving, no
acknowledgement over 3 s, and RSS ≤ 1.5× the read model's size.

The scheduler ``givefirst slack`` would also run in the process is not started: the
figures are those of members' commands alone. The fake Slack answers at once unless
``--api-ms`` says how long each Web API call (posting a message, opening a DM, asking
who a member is …) takes to answer, as it does over the internet (the message is
posted at once; its answer comes late), and posts to a response URL too (the figures
time their arrival). Every command comes from a member not seen for ten minutes, whom
the bot asks Slack about (``users.info``), as most members' commands are.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import logging
import os
import pickle
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import aiohttp
import numpy as np
import yarl
from sqlalchemy import insert, text

from adapters.inflight import InFlight
from adapters.slack.app import community_key
from adapters.slack.server import SlackOptions, check_bot_token, create_app
from bench.measuring import StallTicker, status_mb
from bot.directory import CommunityDirectory
from bot.matching.fields import Vector, field_hash, packed, skills_text
from bot.skills import Vocabulary
from givefirst.bootstrap import choose_encoder, open_storage, running, settle_before_serving
from givefirst.cli.serve import reading
from givefirst.settings import Settings
from givefirst.testing.databases import postgres_schema
from givefirst.testing.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlack,
    SlackRequests,
    serve_bolt_app,
    slash_command,
)
from storage import tables

SIZES = (1_000, 10_000, 100_000)
KEY = community_key(TEAM_ID)
CHANNEL = "C0OFFERS"
REVISION = 1
"""The directory revision every seeded row is stamped with, and the community's."""
ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
OFFERS = (
    "Happy to help with {0}",
    "I can help with {0} and {1}",
    "Ask me about {0}, I have done a lot of it",
    "Glad to pair on {0} for an hour",
)
ASKS = (
    "Could someone help me with {0}?",
    "Any tips on {0}? I'm stuck",
    "Looking for advice about {0} for a project",
    "Who knows {0} well enough to review my work?",
    "I need a hand with {0} this week",
)
BIOS = (
    "I work in {area} and love {0}.",
    "Ten years in {area}; lately mostly {0}.",
    "Curious about everything {area}, especially {0} and {1}.",
)
HISTORY_DAYS = 180
RECENT_SHARE = 0.04
"""Past introductions made within the load window (the last seven days)."""
CHUNK = 2_000
SLOW_ACK = 3.0
"""Seconds after which Slack gives up on an acknowledgement."""
RESULT = "GROWTH-RESULT "
"""How a subprocess's figures are told apart from what else it prints."""
TIMEOUT = 120.0
"""Seconds a command may take to be answered."""


def default_history(members: int) -> int:
    return 100_000 if members >= 100_000 else 10_000


# --- the community ------------------------------------------------------------------------


@dataclass
class Community:
    """Rows to insert, by table, and the texts whose vectors go with them."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fields: list[tuple[int, str, str]] = field(default_factory=list)
    """Each field's member, key and text."""

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


def simulate(members: int, history: int, waiting: int, now: datetime) -> Community:
    rng = random.Random(members * 31 + history)
    vocabulary = Vocabulary.default()
    by_area: dict[str, list[str]] = {}
    for skill in vocabulary.skills:
        by_area.setdefault(skill.area, []).append(skill.name)
    areas = sorted(by_area)
    extracted: dict[str, list[str]] = {}

    def skills_of(words: str) -> list[str]:
        if words not in extracted:
            extracted[words] = list(vocabulary.extract(words))
        return extracted[words]

    community = Community()
    community.add(
        "communities",
        dict(
            id=1,
            key=KEY,
            name="growth",
            channel_id=CHANNEL,
            admin_ids=[],
            digest_weekday=0,
            digest_hour=9,
            timezone="UTC",
            skip_quiet_weeks=True,
            capacity=2,
            intro_expiry_days=3,
            follow_up_days=7,
            stale_after_days=30,
            aliases={},
            created_at=now - timedelta(days=400),
            directory_revision=REVISION,
        ),
    )
    offer_id = 0
    for m in range(1, members + 1):
        area = rng.choice(areas)
        own = sorted(rng.sample(by_area[area], 2))
        if rng.random() < 0.2:
            own.append(rng.choice(by_area[rng.choice(areas)]))
        own = sorted(set(own))
        labels = [vocabulary.describe(s) for s in own]
        bio = rng.choice(BIOS).format(*labels * 2, area=area) if rng.random() < 0.3 else None
        community.add(
            "members",
            dict(
                id=m,
                community_id=1,
                platform_user_id=user_id(m),
                display_name=display_name(m),
                joined_at=now - timedelta(days=rng.uniform(1, 365)),
                timezone=zone(m),
                bio=bio,
                skills=own,
                paused_until=now + timedelta(days=10) if rng.random() < 0.02 else None,
                public_thanks=True,
                dm_closed=False,
                directory_revision=REVISION,
            ),
        )
        community.fields.append((m, f"skills:{m}", skills_text(own)))
        if bio:
            community.fields.append((m, f"bio:{m}", bio))
        for _ in range(int(rng.random() < 0.6) + int(rng.random() < 0.1)):
            offer_id += 1
            words = rng.choice(OFFERS).format(*rng.sample(labels, min(2, len(labels))) * 2)
            community.add(
                "offers",
                dict(
                    id=offer_id,
                    community_id=1,
                    member_id=m,
                    text=words,
                    skills=skills_of(words),
                    created_at=now - timedelta(days=rng.uniform(0, 90)),
                    status="open",
                    directory_revision=REVISION,
                ),
            )
            community.fields.append((m, f"offer:{offer_id}", words))
    every_skill = [s.name for s in vocabulary.skills]
    for a in range(1, waiting + 1):
        asker = rng.randint(1, members)
        words = rng.choice(ASKS).format(vocabulary.describe(rng.choice(every_skill)))
        community.add(
            "asks",
            dict(
                id=a,
                community_id=1,
                member_id=asker,
                text=words,
                skills=skills_of(words),
                private=rng.random() < 0.1,
                created_at=now - timedelta(days=rng.uniform(0, 60)),
                status="open",
                looking_for_helper=True,
                directory_revision=REVISION,
                suggested_count=0,
            ),
        )
        community.fields.append((asker, f"ask:{a}", words))
    _past_introductions(community, rng, members, history, waiting, now, every_skill)
    return community


def _past_introductions(
    community: Community,
    rng: random.Random,
    members: int,
    history: int,
    first_ask: int,
    now: datetime,
    skills: Sequence[str],
) -> None:
    """Two introductions per past ask (two helpers proposed), solved or closed."""
    vocabulary = Vocabulary.default()
    ask_id = first_ask
    for n in range(history):
        if n % 2 == 0:
            ask_id += 1
            asker = rng.randint(1, members)
            recent = rng.random() < RECENT_SHARE
            asked = now - timedelta(days=rng.uniform(0, 6.5) if recent else rng.uniform(7, 180))
            solved = rng.random() < 0.6
            words = rng.choice(ASKS).format(vocabulary.describe(rng.choice(skills)))
            community.add(
                "asks",
                dict(
                    id=ask_id,
                    community_id=1,
                    member_id=asker,
                    text=words,
                    skills=[],
                    private=False,
                    created_at=asked,
                    status="solved" if solved else "closed",
                    solved_at=asked + timedelta(days=2) if solved else None,
                    looking_for_helper=False,
                    directory_revision=REVISION,
                    suggested_count=2,
                    first_suggested_at=asked,
                ),
            )
            first_helper = 0
        helper = rng.randint(1, members)
        while helper in (asker, first_helper) and members > 2:
            helper = rng.randint(1, members)
        first_helper = helper
        requested = asked + timedelta(minutes=rng.uniform(0, 60))
        if recent:
            status = rng.choice(("pending", "accepted"))
        else:
            status = rng.choice(("accepted", "accepted", "declined", "expired"))
        decided = status in ("accepted", "declined")
        community.add(
            "introductions",
            dict(
                id=n + 1,
                community_id=1,
                asker_id=asker,
                helper_id=helper,
                awaiting="helper",
                reason="",
                requested_at=requested,
                expires_at=requested + timedelta(days=3),
                ask_id=ask_id,
                status=status,
                decided_at=requested + timedelta(hours=rng.uniform(1, 48)) if decided else None,
                outcome="helped" if status == "accepted" and rng.random() < 0.5 else None,
            ),
        )


def user_id(member: int) -> str:
    return f"U{member:08d}"


def display_name(member: int) -> str:
    """The name the fake Slack reports for the member (so commands change nothing)."""
    return f"member-{user_id(member).lower()}"


def zone(member: int) -> str:
    return ZONES[member % len(ZONES)]


# --- vectors --------------------------------------------------------------------------------

Packed = tuple[str, bytes, float]
"""A text's hash, int8 components and scale."""


def _cache_path(model: str) -> Path:
    digest = hashlib.sha256(model.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"givefirst-growth-vectors-{digest}.pickle"


def vectors_by_text(texts: set[str]) -> tuple[str | None, dict[str, Packed], int]:
    """The model in use, each text's packed vector, and how many texts were encoded now
    (the others came from the cache of earlier runs)."""
    encoder = choose_encoder(Settings())
    if encoder is None:
        return None, {}, 0
    try:
        path = _cache_path(encoder.model_id)
        known: dict[str, Packed] = {}
        if path.exists():
            known = cast(dict[str, Packed], pickle.loads(path.read_bytes()))
        wanted = sorted(texts - known.keys())
        for start in range(0, len(wanted), 512):
            chunk = wanted[start : start + 512]
            encoded: Sequence[Vector] = list(encoder.encode_now(chunk))
            for words, vector in zip(chunk, encoded, strict=True):
                made = packed("", words, vector)
                known[words] = (made.text_hash, made.components, made.scale)
        if wanted:
            path.write_bytes(pickle.dumps(known))
        return encoder.model_id, known, len(wanted)
    finally:
        encoder.close()


# --- seeding (a subprocess) -----------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    members: int
    history: int
    waiting: int
    rows: int
    vectors: int
    distinct_texts: int
    encoded: int
    seconds: float
    encode_seconds: float


async def seed(url: str, members: int, history: int, waiting: int) -> Seeded:
    started = time.perf_counter()
    now = datetime.now(UTC)
    community = simulate(members, history, waiting, now)
    encoding = time.perf_counter()
    model, known, encoded = vectors_by_text({words for _, _, words in community.fields})
    encode_seconds = time.perf_counter() - encoding
    vectors = 0
    if model is not None:
        for n, (member, key, words) in enumerate(community.fields, start=1):
            text_hash, components, scale = known[words]
            assert text_hash == field_hash(words)
            community.add(
                "text_vectors",
                dict(
                    id=n,
                    community_id=1,
                    member_id=member,
                    key=key,
                    model=model,
                    text_hash=text_hash,
                    vector=components,
                    scale=scale,
                    directory_revision=REVISION,
                ),
            )
            vectors += 1
    storage = await open_storage(url)
    try:
        order = ("communities", "members", "offers", "asks", "introductions", "text_vectors")
        async with storage.engine.begin() as conn:
            for name in order:
                rows = community.rows.get(name, [])
                for start in range(0, len(rows), CHUNK):
                    await conn.execute(
                        insert(tables.metadata.tables[name]), rows[start : start + CHUNK]
                    )
                if conn.dialect.name == "postgresql" and rows:
                    # Explicit ids leave the sequences behind: new rows would collide.
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )
            if conn.dialect.name == "postgresql":
                await conn.execute(text("ANALYZE"))
    finally:
        await storage.dispose()
    return Seeded(
        members=members,
        history=history,
        waiting=waiting,
        rows=sum(len(rows) for rows in community.rows.values()),
        vectors=vectors,
        distinct_texts=len({words for _, _, words in community.fields}),
        encoded=encoded,
        seconds=time.perf_counter() - started,
        encode_seconds=encode_seconds,
    )


# --- serving (another subprocess) -----------------------------------------------------------


@dataclass(frozen=True)
class Served:
    listen_s: float
    first_ack_ms: float
    first_reply_s: float
    read_s: float | None
    read_members: int | None
    warm_s: float | None
    startup_stall_ms: float
    ask_ack: tuple[float, float]
    ask_reply: tuple[float, float]
    offer_ack: tuple[float, float]
    offer_reply: tuple[float, float]
    commands_per_s: float
    stall_ms: float
    slow_acks: int
    errors: int
    first_error: str | None
    asks_naming_helpers: int
    asks: int
    peak_rss_mb: float
    rss_after_mb: float
    base_rss_mb: float
    model_mb: float
    encoded_at_start: int


class _Watch(logging.Handler):
    """Counts errors logged meanwhile, and notes what the directory reading says."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.errors = 0
        self.first_error: str | None = None
        self.read_members: int | None = None
        self.read_at: float | None = None
        self.encoded = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors += 1
            if self.first_error is None:
                self.first_error = f"{record.name}: {record.getMessage()}"[:300]
        elif record.msg == "read the helpers of %s: %d members at revision %d":
            self.read_members = int(cast(tuple[Any, ...], record.args)[1])
            self.read_at = time.perf_counter()
        elif record.msg == "encoded %d fields that had no vector of the model in use":
            self.encoded = int(cast(tuple[Any, ...], record.args)[0])


@dataclass
class _Timings:
    acks: dict[str, list[float]] = field(default_factory=lambda: {"/ask": [], "/offer": []})
    replies: dict[str, list[float]] = field(default_factory=lambda: {"/ask": [], "/offer": []})
    failures: int = 0


def command_text(kind: str, n: int, labels: Sequence[str]) -> str:
    label = labels[(n * 37) % len(labels)]
    if kind == "/ask":
        return ASKS[n % len(ASKS)].format(label)
    return OFFERS[0].format(label)


async def _one(
    slack: SlackRequests,
    fake: FakeSlack,
    timings: _Timings,
    kind: str,
    words: str,
    member: int,
) -> tuple[float, float | None, str]:
    """Send one command; its ack and reply times in seconds, and its response URL."""
    fields = slash_command(
        kind, words, response_url=fake.response_url(), user_id=user_id(member), channel_id=CHANNEL
    )
    started = time.perf_counter()
    try:
        answer = await slack.command(fields)
    except aiohttp.ClientError:
        timings.failures += 1
        return float("nan"), None, fields["response_url"]
    acked = time.perf_counter() - started
    timings.failures += answer.status != 200
    timings.acks[kind].append(acked)
    try:
        async with asyncio.timeout(TIMEOUT):
            replied = await fake.first_response(fields["response_url"]) - started
    except TimeoutError:
        timings.failures += 1
        return acked, None, fields["response_url"]
    timings.replies[kind].append(replied)
    return acked, replied, fields["response_url"]


def _p50_p99(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    if len(values) == 1:
        return values[0] * 1000, values[0] * 1000
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values) * 1000, cuts[98] * 1000


def _names_a_helper(body: dict[str, Any], asker: str) -> bool:
    said = json.dumps(body)
    mentioned = set(re.findall(r"<@(U[0-9A-Z]+)>", said))
    mentioned |= set(re.findall(r'"type": "user", "user_id": "(U[0-9A-Z]+)"', said))
    return bool(mentioned - {asker})


def deep_size(root: object) -> int:
    """Bytes held by everything ``root`` reaches, shared code, types and the skill
    vocabulary (shared by every community) left out. A numpy array that is a view of
    another object's memory (``np.frombuffer``, a reshape) counts that object too: the
    garbage collector does not see it, so walking referents alone missed about 90 MB
    of a 100,000-member directory's vectors."""
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, Vocabulary)
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, skip):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
        if isinstance(obj, np.ndarray) and obj.base is not None:
            stack.append(obj.base)
    return total


async def serve(
    url: str, members: int, commands: int, clients: int, api_ms: float, pause_ms: float = 0.0
) -> Served:
    watch = _Watch()
    logging.getLogger().addHandler(watch)
    logging.getLogger().setLevel(logging.INFO)
    senders = [1 + (n * 7919) % members for n in range(commands + 1)]
    labels = sorted({s.label for s in Vocabulary.default().skills})
    timings = _Timings()
    async with FakeSlack() as fake, aiohttp.ClientSession() as api_session:
        for member in senders:
            fake.set_member(user_id(member), tz=zone(member))
        slowed = ("chat.postMessage", "chat.update", "conversations.open", "users.info")
        for method in (*slowed, "response_url"):
            fake.slow(method, lambda _: api_ms / 1000)
        started = time.perf_counter()
        async with running(url, settings=Settings(), matching=True) as runtime:
            base_rss = status_mb("VmRSS")
            async with reading(runtime.bot):
                reader = next(
                    t for t in asyncio.all_tasks() if t.get_name().startswith("givefirst: reading")
                )
                warm: list[float] = []
                reader.add_done_callback(lambda _: warm.append(time.perf_counter()))
                options = SlackOptions(SIGNING_SECRET, BOT_TOKEN, api_url=fake.api_url)
                in_flight = InFlight()
                app = create_app(runtime.bot, options, session=api_session, in_flight=in_flight)
                await check_bot_token(app.client)
                settle_before_serving()
                session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients))
                async with serve_bolt_app(app) as app_url, session:
                    listening = time.perf_counter()
                    ticker = StallTicker()
                    slack = SlackRequests(session, app_url, SIGNING_SECRET)
                    first_ack, first_reply, _ = await _one(
                        slack, fake, _Timings(), "/ask", command_text("/ask", 0, labels), senders[0]
                    )
                    await asyncio.wait({reader}, timeout=600)
                    await in_flight.drain(TIMEOUT)
                    await ticker.stop()
                    startup_stall = ticker.longest
                    figures = await _serve_commands(
                        slack, fake, timings, senders[1:], labels, clients, in_flight, pause_ms
                    )
                    rss_after = status_mb("VmRSS")
                    # Before the read model is measured: walking it takes memory too.
                    peak_rss = status_mb("VmHWM")
                async with runtime.storage.unit_of_work() as uow:
                    community = await uow.communities.get_by_key(KEY)
                assert community is not None
                directory: CommunityDirectory = runtime.bot.helpers.current(community)
                model_mb = deep_size(directory) / 2**20
    logging.getLogger().removeHandler(watch)
    ask_ack = _p50_p99(timings.acks["/ask"])
    every_ack = [*timings.acks["/ask"], *timings.acks["/offer"], first_ack]
    return Served(
        listen_s=listening - started,
        first_ack_ms=first_ack * 1000,
        first_reply_s=(listening - started) + (first_reply or float("nan")),
        read_s=watch.read_at - listening if watch.read_at else None,
        read_members=watch.read_members,
        warm_s=warm[0] - listening if warm else None,
        startup_stall_ms=startup_stall,
        ask_ack=ask_ack,
        ask_reply=_p50_p99(timings.replies["/ask"]),
        offer_ack=_p50_p99(timings.acks["/offer"]),
        offer_reply=_p50_p99(timings.replies["/offer"]),
        commands_per_s=figures.rate,
        stall_ms=figures.stall_ms,
        slow_acks=sum(1 for a in every_ack if a > SLOW_ACK),
        errors=timings.failures + watch.errors + figures.unfinished + (first_reply is None),
        first_error=watch.first_error,
        asks_naming_helpers=figures.naming,
        asks=figures.asks,
        peak_rss_mb=peak_rss,
        rss_after_mb=rss_after,
        base_rss_mb=base_rss,
        model_mb=model_mb,
        encoded_at_start=watch.encoded,
    )


@dataclass(frozen=True)
class _Steady:
    rate: float
    stall_ms: float
    unfinished: int
    naming: int
    asks: int


async def _serve_commands(
    slack: SlackRequests,
    fake: FakeSlack,
    timings: _Timings,
    senders: Sequence[int],
    labels: Sequence[str],
    clients: int,
    in_flight: InFlight,
    pause_ms: float,
) -> _Steady:
    work: Iterator[tuple[int, int]] = iter(enumerate(senders))
    asked: list[tuple[str, str]] = []

    async def client() -> None:
        for n, member in work:  # shared by every client
            kind = "/ask" if n % 2 == 0 else "/offer"
            _, _, response_url = await _one(
                slack, fake, timings, kind, command_text(kind, n + 1, labels), member
            )
            if kind == "/ask":
                asked.append((response_url, user_id(member)))
            if pause_ms:
                await asyncio.sleep(pause_ms / 1000)

    ticker = StallTicker()
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    _, unfinished = await in_flight.drain(TIMEOUT)
    elapsed = time.perf_counter() - started
    await ticker.stop()
    stall = ticker.longest
    first_bodies: dict[str, dict[str, Any]] = {}
    for call in fake.calls("response_url"):
        first_bodies.setdefault(call.path, call.args)
    naming = sum(
        1
        for response_url, asker in asked
        if _names_a_helper(first_bodies.get(yarl.URL(response_url).path, {}), asker)
    )
    return _Steady(len(senders) / elapsed, stall, unfinished, naming, len(asked))


# --- the parent: databases, subprocesses, the summary ----------------------------------------


@asynccontextmanager
async def _database(backend: str, postgres_url: str | None) -> AsyncIterator[str]:
    if backend == "PostgreSQL":
        assert postgres_url is not None
        async with postgres_schema(postgres_url, prefix="givefirst_growth") as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'growth.db'}"


def _child(*arguments: str) -> dict[str, Any]:
    """Run this module with ``arguments`` in a fresh interpreter; its figures."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.growth", *arguments],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            return cast(dict[str, Any], json.loads(line.removeprefix(RESULT)))
        print(line)
    raise RuntimeError(f"bench.growth {' '.join(arguments)} failed ({done.returncode})")


@dataclass(frozen=True)
class Row:
    backend: str
    size: int
    seeded: dict[str, Any]
    served: dict[str, Any]


async def measure(
    backend: str, postgres_url: str | None, size: int, args: argparse.Namespace
) -> Row:
    history = args.history if args.history is not None else default_history(size)
    async with _database(backend, postgres_url) as url:
        seeded = _child(
            *("--seed", url, "--size", str(size)),
            *("--history", str(history), "--waiting", str(args.waiting)),
        )
        print(
            f"  seeded {backend} with {size:,} members, {history:,} past introductions, "
            f"{args.waiting:,} waiting asks: {seeded['rows']:,} rows, {seeded['vectors']:,} "
            f"vectors of {seeded['distinct_texts']:,} distinct texts ({seeded['encoded']:,} "
            f"encoded now, {seeded['encode_seconds']:.1f} s) in {seeded['seconds']:.1f} s",
            flush=True,
        )
        served = _child(
            *("--serve", url, "--size", str(size)),
            *("--commands", str(args.commands), "--clients", str(args.clients)),
            *("--api-ms", str(args.api_ms), "--pause-ms", str(args.pause_ms)),
        )
    row = Row(backend, size, seeded, served)
    print(_details(row), flush=True)
    return row


def _details(row: Row) -> str:
    s = row.served
    read = f"{s['read_s']:.1f} s" if s["read_s"] is not None else "-"
    warm = f"{s['warm_s']:.1f} s" if s["warm_s"] is not None else "-"
    error = f"; first error: {s['first_error']}" if s["first_error"] else ""
    return (
        f"  served {row.backend} {row.size:,}: listening after {s['listen_s']:.1f} s; first "
        f"/ask acknowledged in {s['first_ack_ms']:.0f} ms, answered {s['first_reply_s']:.1f} s "
        f"after start; directory read ({s['read_members']} members) {read} after listening, "
        f"reading and vector check done {warm} after; {s['encoded_at_start']} fields "
        f"encoded at start\n"
        f"  sanity: {s['asks_naming_helpers']}/{s['asks']} /ask answers name a helper; "
        f"{s['errors']} errors{error}\n"
        f"  memory: base {s['base_rss_mb']:.0f} MB, peak {s['peak_rss_mb']:.0f} MB, after "
        f"serving {s['rss_after_mb']:.0f} MB, read model {s['model_mb']:.0f} MB"
    )


HEADER = (
    f"{'members':>8} {'backend':<10} {'history':>7} {'seed s':>6} {'listen s':>8} "
    f"{'1st ack':>7} {'1st rpl s':>9} {'read s':>6} {'ask ack p50/p99':>15} "
    f"{'ask rpl p50/p99':>15} {'offer rpl p50/p99':>17} {'cmds/s':>6} {'stall st/sv':>11} "
    f"{'>3s':>3} {'err':>3} {'peak MB':>7} {'model MB':>8} {'RSS/model':>9} {'grew/model':>10}"
)


def _pair(values: Sequence[float]) -> str:
    return f"{values[0]:.1f}/{values[1]:.1f}"


def _table_line(row: Row) -> str:
    s = row.served
    model = s["model_mb"] or float("nan")
    return (
        f"{row.size:>8,} {row.backend:<10} {row.seeded['history']:>7,} "
        f"{row.seeded['seconds']:>6.0f} {s['listen_s']:>8.1f} {s['first_ack_ms']:>7.0f} "
        f"{s['first_reply_s']:>9.1f} {s['read_s'] or float('nan'):>6.1f} "
        f"{_pair(s['ask_ack']):>15} {_pair(s['ask_reply']):>15} {_pair(s['offer_reply']):>17} "
        f"{s['commands_per_s']:>6.1f} "
        f"{s['startup_stall_ms']:>5.0f}/{s['stall_ms']:<5.0f} {s['slow_acks']:>3} "
        f"{s['errors']:>3} {s['peak_rss_mb']:>7.0f} {model:>8.0f} "
        f"{s['peak_rss_mb'] / model:>9.1f} {(s['peak_rss_mb'] - s['base_rss_mb']) / model:>10.1f}"
    )


Figure = Callable[[dict[str, Any]], float]
GROWN: tuple[tuple[str, Figure], ...] = (
    ("/ask reply p50", lambda s: s["ask_reply"][0]),
    ("/ask reply p99", lambda s: s["ask_reply"][1]),
    ("/offer reply p50", lambda s: s["offer_reply"][0]),
    ("/offer reply p99", lambda s: s["offer_reply"][1]),
    ("/ask ack p99", lambda s: s["ask_ack"][1]),
    ("commands/s", lambda s: s["commands_per_s"]),
    ("start-up to 1st reply", lambda s: s["first_reply_s"]),
    ("peak RSS", lambda s: s["peak_rss_mb"]),
)


def summary(rows: Sequence[Row]) -> None:
    print()
    print("ack and reply latencies in ms; stall st/sv: longest event-loop stall in ms during")
    print("start-up / while serving the commands; >3s: acknowledgements over 3 s")
    print(HEADER)
    for row in rows:
        print(_table_line(row))
    print()
    print("growth factors (each size over the smallest on the same database)")
    for backend in dict.fromkeys(row.backend for row in rows):
        mine = sorted((r for r in rows if r.backend == backend), key=lambda r: r.size)
        if len(mine) < 2:
            continue
        base = mine[0]
        print(f"  {backend}: " + ", ".join(f"{r.size:,}/{base.size:,}" for r in mine[1:]))
        for name, figure in GROWN:
            first = figure(base.served)
            factors = ", ".join(f"{figure(r.served) / first:.2f}x" for r in mine[1:])
            print(f"    {name:<22} {factors}")


async def run(args: argparse.Namespace) -> None:
    chosen = ([] if args.no_sqlite else ["SQLite"]) + (["PostgreSQL"] if args.postgres else [])
    rows: list[Row] = []
    for backend in chosen:
        for size in args.members:
            print(f"{backend}, {size:,} members", flush=True)
            started = time.perf_counter()
            rows.append(await measure(backend, args.postgres, size, args))
            print(f"  ({time.perf_counter() - started:.0f} s in all)", flush=True)
    summary(rows)


def _sizes(value: str) -> list[int]:
    return [int(part.replace("_", "")) for part in value.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--members", type=_sizes, default=list(SIZES), help="community sizes, comma-separated"
    )
    parser.add_argument(
        "--history",
        type=int,
        default=None,
        help="past introductions (default: 10000 below 100000 members, else 100000)",
    )
    parser.add_argument("--waiting", type=int, default=10_000, help="asks looking for a helper")
    parser.add_argument("--commands", type=int, default=200, help="commands served per size")
    parser.add_argument("--clients", type=int, default=4, help="commands in flight at once")
    parser.add_argument(
        "--api-ms",
        type=float,
        default=0.0,
        help="milliseconds each Slack Web API call takes to answer (default: at once)",
    )
    parser.add_argument(
        "--pause-ms",
        type=float,
        default=0.0,
        help="milliseconds each client waits after an answer before its next command "
        "(with --clients 1, what a command costs at a quiet moment; cmds/s then mostly "
        "counts the pauses)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GIVEFIRST_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL to measure too (a schema is created and dropped)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--seed", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Errors are counted and summarised rather than printed as they happen.
    logging.basicConfig(level=logging.ERROR)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.CRITICAL)
    if args.seed:
        history = args.history if args.history is not None else default_history(args.size)
        seeded = asyncio.run(seed(args.seed, args.size, history, args.waiting))
        print(RESULT + json.dumps(asdict(seeded)), flush=True)
    elif args.serve:
        served = asyncio.run(
            serve(args.serve, args.size, args.commands, args.clients, args.api_ms, args.pause_ms)
        )
        print(RESULT + json.dumps(asdict(served)), flush=True)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
