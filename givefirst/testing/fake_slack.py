"""A local Slack for end-to-end tests: the Web API and Socket Mode it serves, the requests it sends.

`FakeSlack` answers `POST /api/<method>` the way slack.com does (form, JSON or query
arguments, `Authorization: Bearer` tokens, `{"ok": ...}` bodies), records every call,
accepts `respond()` posts on its response URLs and serves a Socket Mode websocket.
Messages keep their metadata, and `conversations.history` returns them (with it, if
asked) to tokens holding the history scope of the conversation's kind (`grant`).
Every answer to a bot token carries its scopes in the `x-oauth-scopes` header, as
Slack's do. Channels described with `add_channel` answer `conversations.info` (to
tokens with `channels:read`, or `groups:read` for private ones), and refuse posts
from a bot that is not in them (`not_in_channel`) unless it may post to public
channels anyway (`chat:write.public`); other channels take any post, and
`conversations.info` does not find them.
A method can be made slow (`slow`): the call takes effect at once, but its answer
comes late, as when Slack accepts a message and the network is slow.
It also plays Slack's side of an OAuth install: `approve_install` stands for a member
pressing "Allow", and `oauth.v2.access` exchanges the code it returns for a bot token.
The module-level builders produce the payloads Slack sends to an app, and
`SlackRequests` delivers them over HTTP signed the way Slack signs them.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

import aiohttp
import yarl
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0GIVE1ST"
TEAM_DOMAIN = "givefirst-dev"
APP_ID = "A0GIVE1ST"
BOT_USER_ID = "U0GIVEBOT"
BOT_ID = "B0GIVEBOT"
BOT_TOKEN = "xoxb-1-givefirst-test"
APP_TOKEN = "xapp-1-givefirst-test"
SIGNING_SECRET = "givefirst-signing-secret"
FORM = "application/x-www-form-urlencoded"
SCOPES = ("commands", "chat:write", "im:write", "mpim:write", "reactions:read", "users:read")
"""The bot scopes every token has unless more are granted (the manifest's)."""
HISTORY_SCOPES = {
    "C": ("channels:history",),
    "G": ("groups:history", "mpim:history"),
    "D": ("im:history",),
}
"""The scopes that let a token read a conversation's history, by its id's first letter."""

Args = dict[str, Any]
_T = TypeVar("_T")


@dataclass(frozen=True)
class ApiCall:
    """One request the fake received and answered: a Web API method, or `response_url`."""

    method: str
    args: Args
    token: str | None
    path: str
    status: int
    response: Args

    @property
    def ok(self) -> bool:
        """Whether the caller got what it asked for (not an error, not a 429)."""
        return self.status == 200 and self.response.get("ok") is True


@dataclass
class Member:
    """What `users.info` says about a member of the fake workspace."""

    id: str
    name: str
    real_name: str
    tz: str = "Europe/Berlin"
    is_admin: bool = False
    is_owner: bool = False
    display_name: str | None = None
    """The profile's display name; Slack leaves it empty until the member sets one."""
    is_bot: bool = False

    def as_user_object(self, team_id: str) -> Args:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_bot": self.is_bot or self.id == BOT_USER_ID,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name if self.display_name is None else self.display_name,
            },
        }


@dataclass
class Channel:
    """A channel of the fake workspace, as `conversations.info` describes it."""

    id: str
    name: str
    bot_is_member: bool = True
    is_private: bool = False
    is_archived: bool = False

    def as_conversation(self) -> Args:
        created = 1_700_000_000
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "is_member": self.bot_is_member,
            "created": created,
            "updated": created * 1000,
            "creator": "U0OWNER",
            "unlinked": 0,
            "context_team_id": TEAM_ID,
            "parent_conversation": None,
            "shared_team_ids": [TEAM_ID],
            "pending_shared": [],
            "pending_connected_team_ids": [],
            "previous_names": [],
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class _ScriptedFailure:
    error: str = ""
    retry_after: int | None = None


@dataclass
class _Workspace:
    """The state Slack keeps between calls: members, conversations and posted messages."""

    team_id: str
    members: dict[str, Member] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    conversations: dict[frozenset[str], str] = field(default_factory=dict)
    messages: dict[tuple[str, str], Args] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_ts: float = 0.0

    def next_ts(self) -> str:
        """A message timestamp as Slack makes them: the time posted, unique, increasing."""
        self._last_ts = max(time.time(), self._last_ts + 0.000_001)
        return f"{self._last_ts:.6f}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def member(self, user_id: str) -> Member:
        if user_id not in self.members:
            name = f"member-{user_id.lower()}"
            self.members[user_id] = Member(id=user_id, name=name, real_name=name.title())
        return self.members[user_id]

    def conversation_with(self, user_ids: frozenset[str]) -> str:
        if user_ids not in self.conversations:
            prefix = "D" if len(user_ids) == 1 else "G"
            self.conversations[user_ids] = self.next_id(prefix)
        return self.conversations[user_ids]

    def resolve_channel(self, channel: str) -> str:
        # Posting to a user id lands in the bot's DM with that user, as on slack.com.
        if channel[:1] in ("U", "W"):
            return self.conversation_with(frozenset({channel}))
        return channel


class FakeSlack:
    """Slack's Web API, response URLs and Socket Mode on 127.0.0.1, recording every call."""

    def __init__(
        self,
        *,
        team_id: str = TEAM_ID,
        team_name: str = "givefirst dev",
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = APP_ID,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.url = ""
        self.socket_acks: list[Args] = []
        self._calls: list[ApiCall] = []
        self._first_responses: dict[str, asyncio.Future[float]] = {}
        self._failures: dict[str, list[_ScriptedFailure]] = {}
        self._dropped: dict[str, Callable[[Args], bool]] = {}
        self._revoked: set[str] = set()
        self._slow: dict[str, Callable[[Args], float]] = {}
        self._awaiting: Counter[str | None] = Counter()
        self.scopes: set[str] = set(SCOPES)
        """The bot scopes every token holds."""
        self._workspace = _Workspace(team_id)
        self._apps: dict[str, str] = {}  # OAuth client id -> client secret
        self._grants: dict[str, Args] = {}  # unused OAuth codes -> oauth.v2.access answers
        # Installed bot tokens: their workspace's id and name, their bot's user and bot ids.
        self._teams_by_token: dict[str, tuple[str, str, str, str]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._methods: dict[str, Callable[[Args], Args]] = {
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "views.publish": self._views_publish,
            "reactions.add": lambda args: {},
            "apps.connections.open": self._apps_connections_open,
        }

    @property
    def api_url(self) -> str:
        """The Web API base URL for `AsyncWebClient(base_url=...)`; the trailing slash matters."""
        return f"{self.url}/api/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_get("/link/", self._handle_socket)
        # Answers still being slowed down are not waited for when the fake stops.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def set_member(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        is_admin: bool = False,
        is_owner: bool = False,
        display_name: str | None = None,
        is_bot: bool = False,
    ) -> Member:
        """Describe a member for `users.info`; members never described get plain defaults."""
        name = name or f"member-{user_id.lower()}"
        member = Member(
            user_id, name, real_name or name.title(), tz, is_admin, is_owner, display_name, is_bot
        )
        self._workspace.members[user_id] = member
        return member

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        bot_is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
    ) -> Channel:
        """Describe a channel for `conversations.info`, with the bot in it or not."""
        channel = Channel(channel_id, name, bot_is_member, is_private, is_archived)
        self._workspace.channels[channel_id] = channel
        return channel

    def response_url(self) -> str:
        """A fresh response URL on this fake, as Slack puts in commands and actions."""
        return f"{self.url}/response/{uuid.uuid4().hex}"

    def first_response(self, response_url: str) -> asyncio.Future[float]:
        """Resolves to ``time.perf_counter()`` when the app first posts to ``response_url``
        (its first reply to that command), even if that happened before this was called
        (a reply can overtake its command's acknowledgement); cheap to wait on from
        benchmarks."""
        return self._first_response(yarl.URL(response_url).path)

    def _first_response(self, path: str) -> asyncio.Future[float]:
        if path not in self._first_responses:
            self._first_responses[path] = asyncio.get_running_loop().create_future()
        return self._first_responses[path]

    def message(self, channel: str, ts: str) -> Args | None:
        """The current state of a message the app posted, or None once deleted."""
        return self._workspace.messages.get((channel, ts))

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Recorded calls, oldest first; all of them, or those to one method."""
        return [call for call in self._calls if method is None or call.method == method]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5,  # noqa: ASYNC109 - one deadline per assertion keeps tests short
    ) -> ApiCall:
        """The first recorded call to `method` matching `predicate`, waiting for it to arrive.

        Bolt runs listeners after it has answered Slack's HTTP request, so tests must wait.
        """

        def first_match() -> ApiCall | None:
            calls = self.calls(method)
            return next((c for c in calls if predicate is None or predicate(c)), None)

        return await self._wait_until(first_match, timeout)

    def register_app(self, client_id: str, client_secret: str) -> None:
        """Make an app distributable: its client id and secret, as in its settings."""
        self._apps[client_id] = client_secret

    def approve_install(
        self, client_id: str, *, team_id: str, team_name: str, installer: str
    ) -> tuple[str, str]:
        """A member presses "Allow" on the install page; Slack redirects to the app with
        a one-time code. Returns the code and the bot token it will be exchanged for."""
        code = f"{team_id}.{uuid.uuid4().hex[:12]}"
        token = f"xoxb-{team_id}-{uuid.uuid4().hex[:8]}"
        bot_user_id, bot_id = f"U0BOT{team_id[-4:]}", f"B0BOT{team_id[-4:]}"
        self._teams_by_token[token] = (team_id, team_name, bot_user_id, bot_id)
        self._grants[code] = {
            "client_id": client_id,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write,chat:write.public,im:write,mpim:write,"
            "reactions:read,reactions:write,users:read",
            "bot_user_id": bot_user_id,
            "app_id": self.app_id,
            "team": {"name": team_name, "id": team_id},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": installer},
        }
        return code, token

    def fail_next(self, method: str, error: str = "not_in_channel") -> None:
        """Answer the next call to `method` with `{"ok": false, "error": error}`."""
        self._failures.setdefault(method, []).append(_ScriptedFailure(error=error))

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        """Answer the next call to `method` with HTTP 429 and a `Retry-After` header."""
        self._failures.setdefault(method, []).append(_ScriptedFailure(retry_after=retry_after))

    def revoke(self, token: str) -> None:
        """Refuse `token` from now on, as Slack does once an app is uninstalled."""
        self._revoked.add(token)

    def grant(self, *scopes: str) -> None:
        """Give every token these bot scopes too (e.g. ``channels:history``)."""
        self.scopes |= set(scopes)

    def withhold(self, *scopes: str) -> None:
        """Take these bot scopes from every token, as an app installed without them."""
        self.scopes -= set(scopes)

    def slow(self, method: str, seconds: Callable[[Args], float]) -> None:
        """From now on, answer calls to `method` (or posts to response URLs, with
        ``"response_url"``) after ``seconds(args)`` seconds; each call takes effect (a
        message is posted) before the wait, as on a slow network."""
        self._slow[method] = seconds

    def awaiting_answer(self, token: str | None = None) -> int:
        """Calls (with `token`, or all) that took effect but whose answer is still to go."""
        return self._awaiting[token] if token is not None else sum(self._awaiting.values())

    async def all_answered(self, timeout: float = 5) -> None:  # noqa: ASYNC109 - as wait_for
        """Wait until every call slowed down (see :meth:`slow`) has had its answer."""
        await self._wait_until(lambda: True if not self.awaiting_answer() else None, timeout)

    def messages_in(self, channel: str) -> list[Args]:
        """The messages in a conversation now, oldest first."""
        found = [m for (c, _), m in self._workspace.messages.items() if c == channel]
        return sorted(found, key=lambda m: float(m["ts"]))

    def conversation_of(self, *user_ids: str) -> str:
        """The id of the bot's conversation with these members (opened if need be)."""
        return self._workspace.conversation_with(frozenset(user_ids))

    def drop_calls(self, method: str, when: Callable[[Args], bool]) -> None:
        """From now on, close the connection unanswered on calls to `method` whose
        arguments match `when`, as a network failure would."""
        self._dropped[method] = when

    async def socket_send_envelope(
        self,
        type: str,
        payload: Args,
        *,
        accepts_response_payload: bool | None = None,
        timeout: float = 5,  # noqa: ASYNC109
    ) -> str:
        """Push a Socket Mode envelope to the connected app; returns its `envelope_id`."""
        socket = await self._wait_until(
            lambda: self._sockets[-1] if self._sockets else None, timeout
        )
        envelope_id = str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = type != "events_api"
        envelope: Args = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        await socket.send_json(envelope)
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> Args:  # noqa: ASYNC109
        """The app's acknowledgement of a Socket Mode envelope, waiting for it to arrive."""

        def ack_of_envelope() -> Args | None:
            acks = self.socket_acks
            return next((ack for ack in acks if ack.get("envelope_id") == envelope_id), None)

        return await self._wait_until(ack_of_envelope, timeout)

    async def _wait_until(self, found: Callable[[], _T | None], seconds: float) -> _T:
        async with asyncio.timeout(seconds), self._changed:
            result = found()
            while result is None:
                await self._changed.wait()
                result = found()
            return result

    async def _notify_waiters(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _request_args(request)
        token = _bearer_token(request) or args.pop("token", None)
        dropped = self._dropped.get(method)
        if dropped is not None and dropped(args):
            self._calls.append(ApiCall(method, args, token, request.path, 0, {}))
            assert request.transport is not None
            request.transport.abort()  # the client sees the connection reset, no answer
            raise web.HTTPServiceUnavailable  # never reaches the client
        status, headers, answer = (
            (200, {}, self._oauth_v2_access(request, args))
            if method == "oauth.v2.access"  # authenticated by the app's client id and secret
            else self._scripted_or_real_answer(method, args, token)
        )
        if self._is_bot_token(token) and method != "oauth.v2.access":
            headers = {**headers, "x-oauth-scopes": ",".join(sorted(self.scopes))}
        self._calls.append(ApiCall(method, args, token, request.path, status, answer))
        await self._notify_waiters()
        slow = self._slow.get(method)
        if slow is not None and (seconds := slow(args)) > 0:
            self._awaiting[token] += 1
            try:
                await asyncio.sleep(seconds)
            finally:
                self._awaiting[token] -= 1
                await self._notify_waiters()
        return web.json_response(answer, status=status, headers=headers)

    def _scripted_or_real_answer(
        self, method: str, args: Args, token: str | None
    ) -> tuple[int, dict[str, str], Args]:
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            if failure.retry_after is not None:
                headers = {"Retry-After": str(failure.retry_after)}
                return 429, headers, {"ok": False, "error": "ratelimited"}
            return 200, {}, {"ok": False, "error": failure.error}
        return 200, {}, self._answer(method, args, token)

    def _is_bot_token(self, token: str | None) -> bool:
        return token is not None and token not in self._revoked and token.startswith("xoxb-")

    def _answer(self, method: str, args: Args, token: str | None) -> Args:
        if token is None:
            return {"ok": False, "error": "not_authed"}
        if token in self._revoked:
            return {"ok": False, "error": "token_revoked"}
        wants_app_token = method == "apps.connections.open"
        if token.startswith("xapp-") != wants_app_token:
            return {"ok": False, "error": "not_allowed_token_type"}
        if method == "auth.test":
            return {"ok": True, **self._auth_test(token)}
        handler = self._methods.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        try:
            return {"ok": True, **handler(args)}
        except _MissingScope as missing:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": str(missing),
                "provided": ",".join(sorted(self.scopes)),
            }
        except _SlackError as error:
            return {"ok": False, "error": str(error)}

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._calls.append(ApiCall("response_url", body, None, request.path, 200, {"ok": True}))
        first = self._first_response(request.path)
        if not first.done():
            first.set_result(time.perf_counter())
        await self._notify_waiters()
        slow = self._slow.get("response_url")
        if slow is not None and (seconds := slow(body)) > 0:
            await asyncio.sleep(seconds)
        return web.Response(text="ok")

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        )
        self._sockets.append(socket)
        await self._notify_waiters()
        try:
            async for frame in socket:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(frame.data))
                    await self._notify_waiters()
        finally:
            self._sockets.remove(socket)
        return socket

    def _auth_test(self, token: str) -> Args:
        team_id, team_name, user_id, bot_id = self._teams_by_token.get(
            token, (self.team_id, self.team_name, self.bot_user_id, self.bot_id)
        )
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": team_name,
            "user": "givefirst",
            "team_id": team_id,
            "user_id": user_id,
            "bot_id": bot_id,
            "is_enterprise_install": False,
        }

    def _oauth_v2_access(self, request: web.Request, args: Args) -> Args:
        # The app authenticates with HTTP Basic (client id and secret), or in the body.
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if scheme == "Basic":
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        if client_id not in self._apps:
            return {"ok": False, "error": "invalid_client_id"}
        if self._apps[client_id] != client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        grant = self._grants.pop(str(args.get("code")), None)  # a code works once
        if grant is None or grant["client_id"] != client_id:
            return {"ok": False, "error": "invalid_code"}
        return {"ok": True, **{k: v for k, v in grant.items() if k != "client_id"}}

    def _bot_message(self, args: Args, ts: str) -> Args:
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": args.get("text", ""),
            "blocks": _blocks(args),
            "ts": ts,
        }
        metadata = args.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        return message

    def _chat_post_message(self, args: Args) -> Args:
        channel = self._workspace.resolve_channel(_required(args, "channel", "channel_not_found"))
        described = self._workspace.channels.get(channel)
        if described is not None:
            if described.is_archived:
                raise _SlackError("is_archived")
            public = not described.is_private and "chat:write.public" in self.scopes
            if not described.bot_is_member and not public:
                raise _SlackError("not_in_channel")
        ts = self._workspace.next_ts()
        message = self._bot_message(args, ts)
        if "thread_ts" in args:
            message["thread_ts"] = args["thread_ts"]
        self._workspace.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, args: Args) -> Args:
        _required(args, "channel", "channel_not_found")
        _required(args, "user", "user_not_in_channel")
        return {"message_ts": self._workspace.next_ts()}

    def _chat_update(self, args: Args) -> Args:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        if (channel, ts) not in self._workspace.messages:
            raise _SlackError("message_not_found")
        message = self._bot_message(args, ts) | {"edited": {"user": self.bot_user_id}}
        self._workspace.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _chat_delete(self, args: Args) -> Args:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        if self._workspace.messages.pop((channel, ts), None) is None:
            raise _SlackError("message_not_found")
        return {"channel": channel, "ts": ts}

    def _conversations_open(self, args: Args) -> Args:
        users = frozenset(
            user for user in _required(args, "users", "users_list_not_supplied").split(",") if user
        )
        channel_id = self._workspace.conversation_with(users)
        return {"no_op": False, "already_open": False, "channel": {"id": channel_id}}

    def _conversations_history(self, args: Args) -> Args:
        """Newest first, after ``oldest``, ``limit`` at a time (``cursor`` is an offset);
        metadata only with ``include_all_metadata``, as on slack.com."""
        channel = _required(args, "channel", "channel_not_found")
        needed = HISTORY_SCOPES.get(channel[:1], ("channels:history",))
        if not self.scopes & set(needed):
            raise _MissingScope(needed[0])
        oldest = float(args.get("oldest") or 0)
        newest_first = [m for m in reversed(self.messages_in(channel)) if float(m["ts"]) > oldest]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = newest_first[start : start + limit]
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        more = start + limit < len(newest_first)
        return {
            "messages": [
                m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
                for m in page
            ],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_info(self, args: Args) -> Args:
        channel = self._workspace.channels.get(_required(args, "channel", "channel_not_found"))
        needed = "groups:read" if channel is not None and channel.is_private else "channels:read"
        if needed not in self.scopes:
            raise _MissingScope(needed)
        if channel is None or (channel.is_private and not channel.bot_is_member):
            raise _SlackError("channel_not_found")
        return {"channel": channel.as_conversation()}

    def _users_info(self, args: Args) -> Args:
        member = self._workspace.member(_required(args, "user", "user_not_found"))
        return {"user": member.as_user_object(self.team_id)}

    def _views_publish(self, args: Args) -> Args:
        _required(args, "user_id")
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view or {}
        return {
            "view": {
                **view,
                "id": self._workspace.next_id("V"),
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
            }
        }

    def _apps_connections_open(self, args: Args) -> Args:
        return {"url": f"ws://{self.url.removeprefix('http://')}/link/?ticket={uuid.uuid4()}"}


class _SlackError(Exception):
    """A Web API error code, answered as `{"ok": false, "error": code}`."""


class _MissingScope(_SlackError):
    """The token lacks the scope named, answered as Slack does (`missing_scope`)."""


def _required(args: Args, name: str, error: str = "invalid_arguments") -> str:
    value = args.get(name)
    if not value:
        raise _SlackError(error)
    return str(value)


def _blocks(args: Args) -> list[Any]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def _bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme == "Bearer" and token else None


async def _request_args(request: web.Request) -> Args:
    # slack_sdk sends some methods as JSON, some as form fields and some (auth.test,
    # users.info, conversations.open) as query parameters, even on POST.
    args: Args = dict(request.query)
    if request.content_type == "application/json":
        args |= await request.json()
    elif request.can_read_body:
        args |= {key: str(value) for key, value in (await request.post()).items()}
    return args


# The requests Slack sends to an app.


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers for `body`, made with slack_sdk's `SignatureVerifier`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def slash_command(
    command: str,
    text: str,
    *,
    response_url: str,
    user_id: str = "U0ANA",
    user_name: str = "ana",
    channel_id: str = "C0OFFERS",
    channel_name: str = "offers",
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
) -> dict[str, str]:
    """A slash command's fields: form-encoded over HTTP, the envelope payload in Socket Mode."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": _trigger_id(),
    }


def event_callback(
    event: Args,
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_id: str | None = None,
) -> Args:
    """The Events API envelope Slack posts around one event."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def reaction_added(
    *,
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    item_user: str = BOT_USER_ID,
) -> Args:
    """A `reaction_added` event: `user` reacted with `reaction` to the message at (channel, ts)."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": f"{time.time():.6f}",
    }


def app_home_opened(*, user: str, channel: str = "D0HOME", tab: str = "home") -> Args:
    """An `app_home_opened` event: `user` opened the app's Home tab."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }


def block_actions(
    *,
    action_id: str,
    value: str,
    block_id: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    response_url: str,
    user_name: str = "ana",
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
) -> Args:
    """The interactivity payload of a button click on the message at (channel_id, message_ts)."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": _trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "offers"},
        "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": message_ts},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def _trigger_id() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


@dataclass(frozen=True)
class HttpReply:
    """What the app answered to one request: the HTTP status and body."""

    status: int
    body: str


class SlackRequests:
    """Delivers Slack's requests to an app's HTTP endpoint, signed with its signing secret."""

    def __init__(self, session: aiohttp.ClientSession, url: str, signing_secret: str) -> None:
        self.session = session
        self.url = url
        self.signing_secret = signing_secret

    async def command(
        self, fields: Mapping[str, str], *, timestamp: int | None = None, secret: str | None = None
    ) -> HttpReply:
        """Deliver a slash command's fields form-encoded (see `slash_command`)."""
        body = urlencode(fields).encode()
        return await self.post(body, FORM, timestamp=timestamp, secret=secret)

    async def event(
        self, envelope: Args, *, timestamp: int | None = None, secret: str | None = None
    ) -> HttpReply:
        """Deliver an Events API envelope as JSON (see `event_callback`)."""
        body = json.dumps(envelope).encode()
        return await self.post(body, "application/json", timestamp=timestamp, secret=secret)

    async def action(
        self, payload: Args, *, timestamp: int | None = None, secret: str | None = None
    ) -> HttpReply:
        """Deliver an interactivity payload, form-encoded as `payload=<json>` like Slack does."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, FORM, timestamp=timestamp, secret=secret)

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> HttpReply:
        """POST `body` signed at `timestamp` (default now) with `secret` (default the app's)."""
        headers = sign(body, secret or self.signing_secret, timestamp)
        headers["Content-Type"] = content_type
        async with self.session.post(self.url, data=body, headers=headers) as response:
            return HttpReply(response.status, await response.text())


@asynccontextmanager
async def serve_bolt_app(app: AsyncApp, path: str = "/slack/events") -> AsyncIterator[str]:
    """Run `app` behind aiohttp on 127.0.0.1 (never 0.0.0.0 like `App.start()`); yields its URL."""
    runner = web.AppRunner(app.web_app(path=path), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}{path}"
    finally:
        await runner.cleanup()
