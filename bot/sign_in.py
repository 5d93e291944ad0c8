"""Signing in to a community's dashboard through the chat platform: no passwords.

An admin's ``/givefirst dashboard`` gets a one-time link holding a signed *pass*: the
community, a random number used once, and when it expires (10 minutes). Opening it
trades the pass for a signed *session* for that one community (12 hours), kept in a
cookie. Both name the admin who asked for the link (none for an operator's link), so
that every page can check the admin still is one: a session ends as soon as its admin
is taken off the community's admin list or asks givefirst to forget them. Both are
HMAC-SHA256 over their contents with the deployment's signing key, each for its own
purpose, so neither can be made, altered, or used as the other.
That a pass is used only once is recorded in the database (see :mod:`bot.app`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from bot.errors import NotAllowed

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
_PASS, _SESSION = "sign-in", "session"


@dataclass(frozen=True)
class DashboardAccess:
    """How this deployment's dashboard is reached, from the operator's settings."""

    public_url: str | None
    """Where the dashboard is served (``https://givefirst.example.org``); without
    it no sign-in links are made."""
    secret: str | None = None
    """The operator's signing key; without one, a key kept in the database is used."""

    def sign_in_url(self, community_key: str, token: str) -> str:
        base = (self.public_url or "").rstrip("/")
        return f"{base}/admin/{quote(community_key, safe=':')}/sign-in/{token}"


class SignInRefused(NotAllowed):
    """Why a link or a session does not let someone in, in words for the page."""


@dataclass(frozen=True)
class Admin:
    """The admin a link was made for, and whether the chat platform itself made them one
    (a workspace or server admin), which only the platform can take back, or the
    community's admin list did."""

    user_id: str
    by_platform: bool


@dataclass(frozen=True)
class Pass:
    """What a one-time sign-in link says."""

    community_key: str
    nonce: str
    expires_at: datetime
    admin: Admin | None = None
    """None for a link made for an operator, who holds the database anyway."""


@dataclass(frozen=True)
class Session:
    """Who is signed in: an admin of this one community, until ``expires_at``."""

    community_key: str
    expires_at: datetime
    admin: Admin | None = None


def new_key() -> str:
    """A fresh signing key, as stored (URL-safe text)."""
    return secrets.token_urlsafe(32)


def issue_pass(key: str, community_key: str, now: datetime, admin: Admin | None = None) -> str:
    """A signed one-time pass for a sign-in link, for ``admin`` (or an operator)."""
    return _sign(
        key,
        _PASS,
        {
            "c": community_key,
            "n": secrets.token_urlsafe(16),
            "e": int((now + LINK_LIFETIME).timestamp()),
            **_admin_fields(admin),
        },
    )


def read_pass(key: str, token: str, community_key: str, now: datetime) -> Pass:
    """The pass in a link opened for ``community_key``, if it is genuine, unexpired and
    for that community; whether it was used before is for the caller to check."""
    body = _verified(key, _PASS, token, "This sign-in link is not valid")
    found = Pass(str(body["c"]), str(body["n"]), _moment(body["e"]), _admin_of(body))
    if found.community_key != community_key:
        raise SignInRefused("This sign-in link is for another community.")
    if now >= found.expires_at:
        raise SignInRefused(
            "This sign-in link has expired (links work for 10 minutes). "
            "Ask for a new one with /givefirst dashboard."
        )
    return found


def issue_session(
    key: str, community_key: str, now: datetime, admin: Admin | None = None
) -> tuple[str, Session]:
    session = Session(community_key, now + SESSION_LIFETIME, admin)
    token = _sign(
        key,
        _SESSION,
        {"c": community_key, "e": int(session.expires_at.timestamp()), **_admin_fields(admin)},
    )
    return token, session


def read_session(key: str, token: str, community_key: str, now: datetime) -> Session:
    """The session in a cookie, if it is genuine, unexpired and for this community."""
    body = _verified(key, _SESSION, token, "You are not signed in to this dashboard")
    session = Session(str(body["c"]), _moment(body["e"]), _admin_of(body))
    if session.community_key != community_key:
        raise SignInRefused("You are signed in to another community, not this one.")
    if now >= session.expires_at:
        raise SignInRefused("Your sign-in has expired (it lasts 12 hours).")
    return session


def _admin_fields(admin: Admin | None) -> dict[str, object]:
    return {} if admin is None else {"u": admin.user_id, "p": admin.by_platform}


def _admin_of(body: dict[str, object]) -> Admin | None:
    user_id = body.get("u")
    return Admin(user_id, body.get("p") is True) if isinstance(user_id, str) else None


def _sign(key: str, purpose: str, body: dict[str, object]) -> str:
    payload = _encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_encode(_mac(key, purpose, payload))}"


def _verified(key: str, purpose: str, token: str, refusal: str) -> dict[str, object]:
    refused = SignInRefused(
        f"{refusal}. Ask for a new sign-in link with /givefirst dashboard in your community."
    )
    payload, dot, signature = token.partition(".")
    if not dot or not payload:
        raise refused
    try:
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (binascii.Error, ValueError):
        raise refused from None
    if not hmac.compare_digest(given, _mac(key, purpose, payload)):
        raise refused
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        raise refused from None
    if not isinstance(body, dict) or not {"c", "e"} <= body.keys():
        raise refused
    return body


def _mac(key: str, purpose: str, payload: str) -> bytes:
    return hmac.new(key.encode(), f"{purpose}:{payload}".encode(), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _moment(value: object) -> datetime:
    if not isinstance(value, int):
        raise SignInRefused("This sign-in link is not valid.")
    return datetime.fromtimestamp(value, UTC)
