"""A local Discord for end-to-end tests: the REST API and the gateway a bot talks to.

`FakeDiscord` serves, on 127.0.0.1, the parts of Discord's HTTP API (v10) that a bot
uses — login, application-command sync, interaction callbacks and follow-ups, DM
channels, channel messages (JSON and multipart), edits and deletes — answering with
the payloads Discord sends, and a gateway websocket that plays HELLO → IDENTIFY →
READY → GUILD_CREATE and then dispatches whatever a test sends. Every REST call is
recorded. Members can close their DMs (403, code 50007, like Discord) and any route
can be made to fail once, e.g. with a 429, or answer late (`slow`). A message sent
with a ``nonce`` and ``enforce_nonce`` that repeats one the bot sent within the last
few minutes is answered with the first message, and not posted again, as Discord does.
It also answers what a bot reads about where it is: its application (whose ``flags``
say which privileged intents are on), its servers, a server's roles, members and
channels. The bot has the role Discord gives a bot invited with givefirst's invite
link, and channels can carry permission overwrites (`overwrite`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter
from typing import Any, Self, TypeVar

import aiohttp
import discord
from aiohttp import web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.client import GiveFirstClient, point_at

APP_ID = 1_300_000_000_000_000_001
BOT_ID = 1_300_000_000_000_000_002
GUILD_ID = 1_300_000_000_004_194_307  # on shard 1 of 2, so shard routing is exercised
CHANNEL_ID = 1_300_000_000_000_000_004
OWNER_ID = 1_300_000_000_000_000_005
BOT_ROLE_ID = 1_300_000_000_000_000_006
BOT_TOKEN = "fake.discord.bot-token"
MANAGE_GUILD = 1 << 5
# view, send, react, history, use application commands (@everyone's, as Discord sets them)
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 6) | (1 << 16) | (1 << 31)
INVITED_PERMISSIONS = 274878024768
"""What the bot's role holds: the permissions in the README's invite link."""
GUILD_NAME = "Give First Club"
EPHEMERAL = 1 << 6
NONCE_SECONDS = 300
"""How long Discord remembers a message's nonce for ``enforce_nonce`` ("a few minutes")."""

Json = dict[str, Any]
DiscordClient = TypeVar("DiscordClient", bound=discord.Client)


@dataclass(frozen=True)
class RestCall:
    """One HTTP request the fake answered."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    status: int
    response: Any
    files: tuple[tuple[str, bytes], ...] = ()
    at: float = field(default_factory=perf_counter)
    """When the request arrived (``time.perf_counter``)."""
    token: str = ""
    """The bot token it came with."""

    @property
    def text(self) -> str:
        """Everything the request carried, as one string to search in."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class User:
    id: int
    name: str
    permissions: int = MEMBER_PERMISSIONS
    dms_closed: bool = False
    bot: bool = False
    roles: tuple[int, ...] = ()

    def payload(self) -> Json:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    def member(self) -> Json:
        return {
            "user": self.payload(),
            "nick": None,
            "roles": [str(role) for role in self.roles],
            "joined_at": "2025-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": str(self.permissions),
        }


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


def _shard_of(guild_id: int, shards: int) -> int:
    return (guild_id >> 22) % shards


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # Discord answers `application/json` with no charset, and discord.py checks for exactly that.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class FakeDiscord:
    """Discord's REST API and gateway for one application and one guild."""

    def __init__(self) -> None:
        self._ids = itertools.count(1_400_000_000_000_000_000)
        self.bot = User(BOT_ID, "givefirst", bot=True, roles=(BOT_ROLE_ID,))
        self.application_flags = 0
        """The application's flags: which privileged intents are on (``1 << 14``: members,
        ``1 << 18``: message content, and their ``_LIMITED`` neighbours)."""
        self.guilds: dict[int, str] = {GUILD_ID: GUILD_NAME}
        """The servers the bot is in, by id, with their names."""
        self.bot_role_permissions = INVITED_PERMISSIONS
        self.users: dict[int, User] = {OWNER_ID: User(OWNER_ID, "owner", permissions=(1 << 41) - 1)}
        self.channels: dict[int, Json] = {
            CHANNEL_ID: {
                "id": str(CHANNEL_ID),
                "type": 0,
                "guild_id": str(GUILD_ID),
                "name": "offers",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
        }
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.messages: dict[int, Json] = {}
        self.interactions: dict[str, Json] = {}  # token -> the interaction sent
        self.seen_by: dict[int, int] = {}  # ephemeral message id -> the only user who sees it
        self.acknowledged: dict[str, asyncio.Future[float]] = {}
        """Per interaction id: resolves to ``perf_counter()`` when its callback arrives."""
        self.replied: dict[str, asyncio.Future[float]] = {}
        """Per interaction token: resolves when the bot first follows up on it (or
        deletes its "thinking…" placeholder), i.e. when the member sees an answer."""
        self.identified: list[Json] = []
        self._calls: list[RestCall] = []
        self._failures: list[Failure] = []
        self._slow: list[tuple[str, re.Pattern[str], Callable[[str, Any], float]]] = []
        self._nonces: dict[str, tuple[float, int]] = {}  # nonce -> (when, message id)
        self._awaiting: Counter[str] = Counter()
        self.tokens = {BOT_TOKEN}
        """Bot tokens accepted, all for the same bot (tests tell processes apart by them)."""
        self._sockets: dict[web.WebSocketResponse, tuple[int, int]] = {}  # -> [shard, count]
        self._sequence = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        # Answers still being slowed down are not waited for when the fake stops.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def __aenter__(self) -> Self:
        """Start, and point discord.py at this server until the block ends."""
        await self.start()
        self._pointed_from = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        point_at(self.api_url, self.gateway_url)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._pointed_from
        await self.close()

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url.replace('http', 'ws', 1)}/gateway"

    # --- what tests arrange -------------------------------------------------------------------

    def add_user(self, user_id: int, name: str, *, permissions: int = MEMBER_PERMISSIONS) -> User:
        self.users[user_id] = User(user_id, name, permissions=permissions)
        return self.users[user_id]

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int,
        code: int = 0,
        message: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next request matching ``path`` (a regular expression) with an error."""
        if status == 429:
            # As Discord sends it: through its proxy (Via), with the bucket's headers.
            body: Json = {"message": "You are being rate limited.", "retry_after": 0.05}
            body["global"] = False
            headers = {
                "Via": "1.1 google",
                "Retry-After": "1",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": "0.050",
                "X-RateLimit-Bucket": "fake-bucket",
                "X-RateLimit-Scope": "user",
                **(headers or {}),
            }
        else:
            body = {"code": code, "message": message}
        self._failures.append(Failure(method, re.compile(path), status, body, headers or {}))

    def slow(self, method: str, path: str, seconds: Callable[[str, Any], float]) -> None:
        """From now on, answer requests matching ``path`` after ``seconds(path, body)``
        seconds; each takes effect (a message is posted) before the wait."""
        self._slow.append((method, re.compile(path), seconds))

    def overwrite(
        self,
        channel_id: int,
        target_id: int,
        *,
        allow: int = 0,
        deny: int = 0,
        member: bool = False,
    ) -> None:
        """Add a permission overwrite to a channel, for a role (the server's id is
        @everyone's) or, with ``member``, for one member."""
        self.channels[channel_id]["permission_overwrites"] = [
            *self.channels[channel_id]["permission_overwrites"],
            {
                "id": str(target_id),
                "type": 1 if member else 0,
                "allow": str(allow),
                "deny": str(deny),
            },
        ]

    def add_channel(self, channel_id: int, guild_id: int, name: str) -> None:
        """A text channel in another server the bot is in."""
        self.guilds.setdefault(guild_id, f"server {guild_id}")
        self.channels[channel_id] = {
            **self.channels[CHANNEL_ID],
            "id": str(channel_id),
            "guild_id": str(guild_id),
            "name": name,
        }

    # --- what tests read ----------------------------------------------------------------------

    def awaiting_answer(self, token: str | None = None) -> int:
        """Requests (with bot ``token``, or all) that took effect, their answer still to go."""
        return self._awaiting[token] if token is not None else sum(self._awaiting.values())

    async def all_answered(self, *, within: float = 5.0) -> None:
        """Wait until every request slowed down (see :meth:`slow`) has had its answer."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: not self.awaiting_answer())

    def messages_in(self, channel_id: int) -> list[Json]:
        return [m for m in self.messages.values() if m["channel_id"] == str(channel_id)]

    def calls(self, method: str | None = None, path: str | None = None) -> list[RestCall]:
        return [
            c
            for c in self._calls
            if (method is None or c.method == method)
            and (path is None or re.fullmatch(path, c.path))
        ]

    async def wait_for(
        self,
        method: str,
        path: str,
        where: Callable[[RestCall], bool] = lambda call: True,
        *,
        within: float = 5.0,
    ) -> RestCall:
        def found() -> RestCall | None:
            return next((c for c in self.calls(method, path) if where(c)), None)

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: found() is not None)
        call = found()
        assert call is not None
        return call

    def dm_channel_of(self, user_id: int) -> int | None:
        return self.dm_channels.get(user_id)

    # --- the gateway --------------------------------------------------------------------------

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a DISPATCH (op 0) to the session of the shard that owns the event:
        a guild's events go to shard ``(guild_id >> 22) % shards``, DMs to shard 0."""
        guild = int(data["guild_id"]) if data.get("guild_id") else None
        sockets = [
            socket
            for socket, (shard, count) in self._sockets.items()
            if shard == (_shard_of(guild, count) if guild is not None else 0)
        ]
        assert sockets, "no bot session owns this event"
        for socket in sockets:
            await socket.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for frame in socket:
                if frame.type is not aiohttp.WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                match payload["op"]:
                    case 1:  # heartbeat
                        await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
                    case 2:  # identify
                        await self._identify(socket, payload["d"])
        finally:
            self._sockets.pop(socket, None)
        return socket

    async def _identify(self, socket: web.WebSocketResponse, identify: Json) -> None:
        self.identified.append(identify)
        shard = identify.get("shard") or [0, 1]
        ours = _shard_of(GUILD_ID, shard[1]) == shard[0]
        ready: Json = {
            "v": 10,
            "user": self.bot.payload(),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}] if ours else [],
            "session_id": f"session-{next(self._ids)}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": self.application_flags},
            "shard": shard,
        }
        await socket.send_json({"op": 0, "t": "READY", "s": next(self._sequence), "d": ready})
        if ours:
            await socket.send_json(
                {"op": 0, "t": "GUILD_CREATE", "s": next(self._sequence), "d": self._guild()}
            )
        self._sockets[socket] = (shard[0], shard[1])

    def _guild(self, guild_id: int = GUILD_ID) -> Json:
        """The server as GUILD_CREATE sends it."""
        return {
            "id": str(guild_id),
            "name": self.guilds.get(guild_id, GUILD_NAME),
            "icon": None,
            "owner_id": str(OWNER_ID),
            "unavailable": False,
            "member_count": len(self.users) + 1,
            "large": False,
            "features": [],
            "roles": [
                {
                    "id": str(guild_id),
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": str(BOT_ROLE_ID),
                    "name": self.bot.name,
                    "permissions": str(self.bot_role_permissions),
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": True,
                    "mentionable": False,
                    "flags": 0,
                    "tags": {"bot_id": str(BOT_ID)},
                },
            ],
            "emojis": [],
            "stickers": [],
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"}
                for c in self.channels.values()
                if c.get("guild_id") == str(guild_id)
            ],
            "threads": [],
            "members": [self.bot.member()],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": "2025-01-01T00:00:00+00:00",
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
        }

    # --- REST ---------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body, files = await self._body(request)
        failure = next(
            (
                f
                for f in self._failures
                if f.method == request.method and f.path.fullmatch(path) is not None
            ),
            None,
        )
        if failure is not None:
            self._failures.remove(failure)
            status, response, headers = failure.status, failure.body, failure.headers
        else:
            status, response = self._answer(request.method, path, body, request)
            headers = {}
        await self._record(
            RestCall(
                request.method,
                path,
                dict(request.query),
                body,
                status,
                response,
                tuple(files),
                token=request.headers.get("Authorization", "").removeprefix("Bot "),
            )
        )
        delay = next(
            (
                seconds(path, body)
                for method, pattern, seconds in self._slow
                if method == request.method and pattern.fullmatch(path)
            ),
            0.0,
        )
        if delay > 0:
            token = request.headers.get("Authorization", "").removeprefix("Bot ")
            self._awaiting[token] += 1
            try:
                await asyncio.sleep(delay)
            finally:
                self._awaiting[token] -= 1
                async with self._changed:
                    self._changed.notify_all()
        if status == 204:
            return web.Response(status=204)
        return _json(response, status, headers)

    async def _record(self, call: RestCall) -> None:
        if call.path.startswith("/webhooks/") and call.method in ("POST", "DELETE"):
            replied = self.replied.get(call.path.split("/")[3])
            if replied is not None and not replied.done():
                replied.set_result(call.at)
        async with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    async def _body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files: list[tuple[str, bytes]] = []
            payload: Any = None
            for name, value in form.items():
                if name == "payload_json":
                    payload = json.loads(str(value))
                elif isinstance(value, web.FileField):
                    files.append((value.filename, value.file.read()))
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    def _answer(self, method: str, path: str, body: Any, request: web.Request) -> tuple[int, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        if token not in self.tokens and not path.startswith(("/interactions/", "/webhooks/")):
            return 401, {"message": "401: Unauthorized", "code": 0}
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("GET", r"/users/@me", lambda: (200, self.bot.payload())),
            ("GET", r"/users/@me/guilds", self._my_guilds),
            ("GET", r"/guilds/(\d+)", lambda g: self._rest_guild(int(g))),
            ("GET", r"/guilds/(\d+)/members/(\d+)", lambda g, u: self._member(int(g), int(u))),
            ("GET", r"/guilds/(\d+)/channels", lambda g: self._guild_channels(int(g))),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("GET", r"/gateway/bot", self._gateway_bot),
            ("PUT", r"/applications/\d+/commands", lambda: self._sync(body)),
            ("PUT", r"/applications/\d+/guilds/\d+/commands", lambda: self._sync(body)),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", lambda i, t: self._callback(t, body)),
            ("POST", r"/webhooks/\d+/([^/]+)", lambda t: self._followup(t, body)),
            (
                "PATCH",
                r"/webhooks/\d+/([^/]+)/messages/([^/]+)",
                lambda t, m: self._edit_own(t, m, body),
            ),
            (
                "DELETE",
                r"/webhooks/\d+/([^/]+)/messages/([^/]+)",
                lambda t, m: self._delete_own(t, m),
            ),
            ("POST", r"/users/@me/channels", lambda: self._open_dm(body)),
            ("GET", r"/users/(\d+)", lambda u: self._user(int(u))),
            ("GET", r"/channels/(\d+)", lambda c: self._channel(int(c))),
            ("POST", r"/channels/(\d+)/messages", lambda c: self._post(int(c), body)),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", lambda c, m: self._edit(int(m), body)),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", lambda c, m: self._delete(int(m))),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if route_method == method and match is not None:
                return handler(*match.groups())
        return 404, {"message": "404: Not Found", "code": 0}

    def _application(self) -> tuple[int, Json]:
        return 200, {
            "id": str(APP_ID),
            "name": "givefirst",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.users[OWNER_ID].payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "summary": "",
        }

    def _my_guilds(self) -> tuple[int, list[Json]]:
        return 200, [
            {
                "id": str(guild_id),
                "name": name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(MEMBER_PERMISSIONS | self.bot_role_permissions),
                "features": [],
                "approximate_member_count": len(self.users) + 1,
                "approximate_presence_count": 0,
            }
            for guild_id, name in self.guilds.items()
        ]

    def _rest_guild(self, guild_id: int) -> tuple[int, Json]:
        if guild_id not in self.guilds:
            return 403, {"message": "Missing Access", "code": 50001}
        gateway_only = {
            "channels", "threads", "members", "voice_states", "presences", "stage_instances",
            "guild_scheduled_events", "soundboard_sounds", "joined_at", "large",
            "member_count", "unavailable",
        }  # fmt: skip
        guild = {k: v for k, v in self._guild(guild_id).items() if k not in gateway_only}
        guild["approximate_member_count"] = len(self.users) + 1
        guild["approximate_presence_count"] = 0
        return 200, guild

    def _member(self, guild_id: int, user_id: int) -> tuple[int, Json]:
        if guild_id not in self.guilds:
            return 403, {"message": "Missing Access", "code": 50001}
        user = self.bot if user_id == BOT_ID else self.users.get(user_id)
        if user is None:
            return 404, {"message": "Unknown Member", "code": 10007}
        return 200, {k: v for k, v in user.member().items() if k != "permissions"}

    def _guild_channels(self, guild_id: int) -> tuple[int, list[Json] | Json]:
        if guild_id not in self.guilds:
            return 403, {"message": "Missing Access", "code": 50001}
        return 200, [c for c in self.channels.values() if c.get("guild_id") == str(guild_id)]

    def _gateway_bot(self) -> tuple[int, Json]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    def _sync(self, commands: list[Json]) -> tuple[int, list[Json]]:
        return 200, [
            {
                "id": str(next(self._ids)),
                "application_id": str(APP_ID),
                "version": str(next(self._ids)),
                "type": 1,
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
            }
            for command in commands
        ]

    def _callback(self, token: str, body: Json) -> tuple[int, Json]:
        interaction = self.interactions.get(token)
        if interaction is None:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if interaction.get("answered"):
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        interaction["answered"] = True
        acknowledged = self.acknowledged.get(interaction["id"])
        if acknowledged is not None and not acknowledged.done():
            acknowledged.set_result(perf_counter())
        data = body.get("data") or {}
        if body["type"] == 5:  # "thinking…", shown until the first follow-up
            placeholder = self._store_message(
                int(interaction["channel_id"]), {"flags": data.get("flags", 0)}, webhook=True
            )
            interaction["original"] = placeholder["id"]
        elif body["type"] in (6, 7) and "message" in interaction:  # the clicked message
            interaction["original"] = interaction["message"]["id"]
        return 200, {
            "interaction": {
                "id": interaction["id"],
                "type": interaction["type"],
                "response_message_loading": body["type"] == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            },
            "resource": {"type": body["type"]},
        }

    def _followup(self, token: str, body: Json) -> tuple[int, Json]:
        interaction = self.interactions.get(token)
        if interaction is None or not interaction.get("answered"):
            return 404, {"message": "Unknown Webhook", "code": 10015}
        message = self._store_message(int(interaction["channel_id"]), body, webhook=True)
        self.seen_by[int(message["id"])] = self._actor_of(interaction)
        return 200, message

    def _original(self, token: str, message: str) -> int | None:
        interaction = self.interactions.get(token) or {}
        found = interaction.get("original") if message == "@original" else message
        return int(found) if found is not None and int(found) in self.messages else None

    def _edit_own(self, token: str, message: str, body: Json) -> tuple[int, Json]:
        found = self._original(token, message)
        if found is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        return self._edit(found, body)

    def _delete_own(self, token: str, message: str) -> tuple[int, Any]:
        found = self._original(token, message)
        if found is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        return self._delete(found)

    def _open_dm(self, body: Json) -> tuple[int, Json]:
        user_id = int(body["recipient_id"])
        if user_id not in self.users:
            return 400, {"message": "Invalid Recipient(s)", "code": 50033}
        channel_id = self.dm_channels.setdefault(user_id, next(self._ids))
        channel = {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "recipients": [self.users[user_id].payload()],
        }
        self.channels[channel_id] = channel
        return 200, channel

    def _user(self, user_id: int) -> tuple[int, Json]:
        if user_id not in self.users:
            return 404, {"message": "Unknown User", "code": 10013}
        return 200, self.users[user_id].payload()

    def _channel(self, channel_id: int) -> tuple[int, Json]:
        if channel_id not in self.channels:
            return 404, {"message": "Unknown Channel", "code": 10003}
        return 200, self.channels[channel_id]

    def _post(self, channel_id: int, body: Json) -> tuple[int, Json]:
        if channel_id not in self.channels:
            return 404, {"message": "Unknown Channel", "code": 10003}
        recipient = next((u for u, c in self.dm_channels.items() if c == channel_id), None)
        if recipient is not None and self.users[recipient].dms_closed:
            return 403, {"message": "Cannot send messages to this user", "code": 50007}
        nonce = str(body.get("nonce") or "")
        if nonce and body.get("enforce_nonce"):
            seen = self._nonces.get(nonce)
            if seen is not None and perf_counter() - seen[0] < NONCE_SECONDS:
                original = self.messages.get(seen[1])
                if original is not None:
                    return 200, original
        message = self._store_message(channel_id, body)
        if nonce:
            message["nonce"] = nonce
            self._nonces[nonce] = (perf_counter(), int(message["id"]))
        return 200, message

    def _store_message(self, channel_id: int, body: Json, *, webhook: bool = False) -> Json:
        message_id = next(self._ids)
        channel = self.channels.get(channel_id, {})
        message: Json = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self.bot.payload(),
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0) or 0,
        }
        if webhook:
            message["webhook_id"] = str(APP_ID)
            message["application_id"] = str(APP_ID)
        if channel.get("guild_id"):
            message["guild_id"] = channel["guild_id"]
        self.messages[message_id] = message
        return message

    def _edit(self, message_id: int, body: Json) -> tuple[int, Json]:
        message = self.messages.get(message_id)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        message["edited_timestamp"] = _now()
        return 200, message

    def _delete(self, message_id: int) -> tuple[int, Any]:
        if self.messages.pop(message_id, None) is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 204, None

    @staticmethod
    def _actor_of(interaction: Json) -> int:
        user = interaction["member"]["user"] if "member" in interaction else interaction["user"]
        return int(user["id"])

    # --- building what Discord sends a bot ----------------------------------------------------

    def new_interaction(
        self,
        user: User,
        kind: int,
        data: Json,
        *,
        channel_id: int = CHANNEL_ID,
        message: Json | None = None,
    ) -> Json:
        """An INTERACTION_CREATE payload from ``user`` in ``channel_id`` (a DM if it is one)."""
        token = f"interaction-token-{next(self._ids)}"
        channel = self.channels[channel_id]
        interaction: Json = {
            "id": str(next(self._ids)),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": channel,
            "locale": "en-US",
            "app_permissions": str(MEMBER_PERMISSIONS | (1 << 14) | (1 << 15)),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if channel.get("guild_id"):
            interaction |= {
                "guild_id": str(GUILD_ID),
                "guild_locale": "en-US",
                "member": user.member(),
                "authorizing_integration_owners": {"0": str(GUILD_ID)},
                "context": 0,
            }
        else:
            interaction |= {
                "user": user.payload(),
                "authorizing_integration_owners": {"0": str(GUILD_ID)},
                "context": 1,
            }
        if message is not None:
            interaction["message"] = message
        self.interactions[token] = interaction
        self.acknowledged[interaction["id"]] = asyncio.get_running_loop().create_future()
        self.replied[token] = asyncio.get_running_loop().create_future()
        return interaction


@asynccontextmanager
async def connected(client: DiscordClient) -> AsyncIterator[DiscordClient]:
    """Log in, connect to the gateway and wait for READY; disconnect afterwards.

    A gateway payload the client cannot parse ends its connection task quietly while
    ``wait_until_ready`` still returns, so the task is checked to be alive.
    """
    await client.login(BOT_TOKEN)
    connection = asyncio.create_task(client.connect(reconnect=False))
    try:
        await asyncio.wait_for(client.wait_until_ready(), timeout=5)
        await asyncio.sleep(0)
        assert not connection.done(), connection.exception()
        yield client
        assert not connection.done(), "the gateway connection ended during the test"
    finally:
        if isinstance(client, GiveFirstClient):
            # What the last event still does after its answer (a follow-up, saving what
            # Discord said) ends before the caller closes the database, as `givefirst
            # discord` waits when it stops.
            await client.drain(10)
        await client.close()
        connection.cancel()
        await asyncio.gather(connection, return_exceptions=True)


def command_data(name: str, options: list[Json], *, resolved: Json | None = None) -> Json:
    data: Json = {"id": str(APP_ID + 100), "name": name, "type": 1, "options": options}
    if resolved is not None:
        data["resolved"] = resolved
    return data


def button_data(custom_id: str) -> Json:
    return {"custom_id": custom_id, "component_type": 2}


def buttons_of(message: Json) -> list[Json]:
    return [
        component
        for row in message.get("components") or []
        for component in row.get("components") or []
        if component.get("type") == 2
    ]


def text_of(message: Json) -> str:
    """What a member reads in a message: its content and its embeds."""
    parts = [message.get("content") or ""]
    parts += [e.get("description") or "" for e in message.get("embeds") or []]
    parts += [e.get("title") or "" for e in message.get("embeds") or []]
    return "\n".join(parts)
