"""`givefirst check`: an operator verifies a deployment in one command, through the real
command line, against the local fake Slack and fake Discord and real databases. Each
broken set-up is named on a line of its own with its fix, and the exit status says
whether anything failed."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import discord as discord_py
import pytest
import yaml
from click.testing import CliRunner, Result
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from adapters.discord.check import check_discord
from adapters.slack.server import BOT_SCOPES
from bot.domain import Community
from givefirst import cli
from givefirst.testing.fake_discord import BOT_ROLE_ID, CHANNEL_ID, GUILD_ID, FakeDiscord
from givefirst.testing.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from givefirst.testing.fake_slack import APP_TOKEN, TEAM_ID, FakeSlack
from givefirst.testing.fake_slack import BOT_TOKEN as SLACK_TOKEN
from storage import Storage
from storage.migrations import HEAD
from tests.conftest import POSTGRES_SKIP_REASON, POSTGRES_URL_VARIABLE

SLACK_COMMUNITY = f"slack:{TEAM_ID}"
DISCORD_COMMUNITY = f"discord:{GUILD_ID}"
SEND_MESSAGES = 1 << 11
SERVER_MEMBERS_INTENT = 1 << 15  # GATEWAY_GUILD_MEMBERS_LIMITED
MESSAGE_CONTENT_INTENT = 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED
SETTINGS = (
    "GIVEFIRST_SHUTDOWN_GRACE",
    "GIVEFIRST_METRICS_PORT",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
    "DISCORD_TOKEN",
    "DISCORD_API_URL",
    "DISCORD_GUILD_ID",
    "GIVEFIRST_PUBLIC_URL",
    "GIVEFIRST_MATCHING",
    "GIVEFIRST_EMBEDDING_MODEL",
    "DATABASE_URL",
)


async def add_communities(storage: Storage, *communities: Community) -> None:
    async with storage.unit_of_work() as uow:
        for community in communities:
            await uow.communities.add(community)
        await uow.commit()


def both_communities() -> tuple[Community, Community]:
    return (
        Community(key=SLACK_COMMUNITY, channel_id="C0OFFERS", timezone="Europe/Berlin"),
        Community(key=DISCORD_COMMUNITY, channel_id=str(CHANNEL_ID), timezone="America/Chicago"),
    )


@pytest.fixture
async def database(tmp_path: Path) -> str:
    """A migrated SQLite file with a Slack workspace and a Discord server in it."""
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        await add_communities(storage, *both_communities())
    finally:
        await storage.dispose()
    return url


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_channel("C0OFFERS", "offers")
        fake.grant("channels:read")  # so that the check can see who is in the channel
        yield fake


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def deployment(slack: FakeSlack, discord: FakeDiscord) -> dict[str, str | None]:
    """The settings of a deployment on both platforms, as an operator sets them."""
    return {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_API_URL": slack.api_url,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": discord.api_url,
        "GIVEFIRST_PUBLIC_URL": "https://givefirst.example.org",
        # Loading the model is checked once, in the good deployment.
        "GIVEFIRST_MATCHING": "lexical",
    }


async def givefirst_check(
    database: str, env: Mapping[str, str | None], *options: str
) -> tuple[Result, list[str]]:
    """Run `givefirst check` (its own event loop, in a thread) with only ``env`` set;
    returns the result and the lines printed."""
    unset: dict[str, str | None] = dict.fromkeys(SETTINGS)
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli.main,
        ["--database-url", database, "check", *options],
        env={**unset, **env},
    )
    assert "Traceback" not in result.output and not isinstance(result.exception, Exception), (
        result.output
    )
    return result, result.output.splitlines()


def line(lines: list[str], start: str) -> str:
    """The one line that starts with ``start``."""
    [found] = [text for text in lines if text.startswith(start)]
    return found


def fix_after(lines: list[str], start: str) -> str:
    """The fix printed under the line that starts with ``start``."""
    index = lines.index(line(lines, start))
    assert lines[index + 1].startswith("    fix: "), lines[index + 1]
    return lines[index + 1].removeprefix("    fix: ")


async def test_a_good_deployment_passes_every_check_without_posting_anything(
    storage: Storage, slack: FakeSlack, discord: FakeDiscord
) -> None:
    await add_communities(storage, *both_communities())
    url = storage.engine.url.render_as_string(hide_password=False)
    env = deployment(slack, discord) | {"GIVEFIRST_MATCHING": None}

    result, lines = await givefirst_check(url, env)

    assert result.exit_code == 0, result.output
    reported = lines[:-1]
    assert all(text.startswith("✓ ") for text in reported), result.output
    assert lines[-1] == f"All {len(reported)} checks passed."
    assert line(lines, "✓ schema: ").startswith("✓ schema: current (revision ")
    assert line(lines, "✓ Slack bot token: ") == (
        "✓ Slack bot token: valid: bot @givefirst (U0GIVEBOT) in the workspace givefirst dev "
        f"({TEAM_ID})"
    )
    assert "all 6 that givefirst needs" in line(lines, "✓ Slack scopes: ")
    assert "app-level token" in line(lines, "✓ Slack app token: ")
    assert line(lines, f"✓ channel of {SLACK_COMMUNITY}: ") == (
        f"✓ channel of {SLACK_COMMUNITY}: #offers (C0OFFERS): the bot is a member, so it can "
        "post there"
    )
    assert "Give First Club" in line(lines, "✓ Discord servers: ")
    assert line(lines, f"✓ channel of {DISCORD_COMMUNITY}: ").endswith(
        "#offers in Give First Club: the bot can view, post and embed; members can use "
        "commands and react"
    )
    assert "none is on needlessly" in line(lines, "✓ Discord intents: ")
    assert "America/Chicago, Europe/Berlin" in line(lines, "✓ time zones: ")
    assert "all-MiniLM-L6-v2" in line(lines, "✓ matching: the sentence model ")
    assert slack.calls("chat.postMessage") == [] and discord.calls("POST") == []
    assert slack.calls("apps.connections.open") == [], "no Socket Mode connection was opened"
    assert discord.identified == [], "Discord through REST alone: no gateway session"


async def test_tokens_the_platforms_refuse_are_failures_with_their_fixes(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    slack.revoke(SLACK_TOKEN)
    env = deployment(slack, discord) | {"DISCORD_TOKEN": "not.the.bot-token"}

    result, lines = await givefirst_check(database, env)

    assert result.exit_code == 1
    assert line(lines, "✗ Slack bot token: ") == (
        "✗ Slack bot token: Slack refused it (token_revoked)"
    )
    assert "Bot User OAuth Token (xoxb-…)" in fix_after(lines, "✗ Slack bot token: ")
    assert line(lines, "✗ Discord token: ") == "✗ Discord token: Discord refused DISCORD_TOKEN"
    assert "Reset Token" in fix_after(lines, "✗ Discord token: ")
    assert lines[-1].endswith("2 failed.")


async def test_missing_scopes_are_named_and_the_app_is_to_be_reinstalled(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    slack.withhold("reactions:read", "users:read")

    result, lines = await givefirst_check(database, deployment(slack, discord))

    assert result.exit_code == 1
    assert line(lines, "✗ Slack scopes: ") == (
        "✗ Slack scopes: the token lacks reactions:read, users:read, which givefirst needs"
    )
    assert "reinstall the app" in fix_after(lines, "✗ Slack scopes: ")


async def test_a_channel_the_bot_is_not_in_is_a_failure_on_each_platform(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    slack.add_channel("C0OFFERS", "offers", bot_is_member=False)
    discord.overwrite(CHANNEL_ID, BOT_ROLE_ID, deny=SEND_MESSAGES)

    result, lines = await givefirst_check(database, deployment(slack, discord))

    assert result.exit_code == 1
    assert line(lines, f"✗ channel of {SLACK_COMMUNITY}: ") == (
        f"✗ channel of {SLACK_COMMUNITY}: the bot is not in #offers (C0OFFERS), so it cannot "
        "post there"
    )
    assert fix_after(lines, f"✗ channel of {SLACK_COMMUNITY}: ") == (
        "type /invite @givefirst in #offers (C0OFFERS)"
    )
    assert line(lines, f"✗ channel of {DISCORD_COMMUNITY}: ") == (
        # Discord takes Embed Links away with Send Messages.
        f"✗ channel of {DISCORD_COMMUNITY}: the bot lacks Send Messages and Embed Links in "
        "#offers in Give First Club, so it cannot post there"
    )
    assert "Edit Channel → Permissions" in fix_after(lines, f"✗ channel of {DISCORD_COMMUNITY}")
    assert slack.calls("chat.postMessage") == [] and discord.calls("POST") == []


async def test_without_channels_read_slack_membership_is_a_warning_naming_the_scope(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    slack.withhold("channels:read")

    result, lines = await givefirst_check(database, deployment(slack, discord))

    assert result.exit_code == 0, result.output
    warning = line(lines, f"! channel of {SLACK_COMMUNITY}: ")
    assert "C0OFFERS: not checked" in warning and "channels:read" in warning
    assert "/invite @givefirst" in fix_after(lines, f"! channel of {SLACK_COMMUNITY}: ")
    assert slack.calls("conversations.info") == []


async def test_a_discord_server_the_bot_left_and_no_channel_set_are_told_apart(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        await add_communities(
            storage,
            Community(key=SLACK_COMMUNITY, channel_id=None),
            Community(key="discord:1300000000000099999", channel_id="1"),
        )
    finally:
        await storage.dispose()

    result, lines = await givefirst_check(url, deployment(slack, discord))

    assert result.exit_code == 1
    assert line(lines, f"! channel of {SLACK_COMMUNITY}: ").endswith(
        "none set: the weekly digest and public offers and asks have nowhere to go"
    )
    left = "✗ channel of discord:1300000000000099999: "
    assert "the bot is not in this server any more" in line(lines, left)
    assert (
        "https://discord.com/oauth2/authorize?client_id=1300000000000000001"
        "&scope=bot+applications.commands&permissions=274878024768"
    ) in fix_after(lines, left)


async def test_a_missing_signing_secret_and_a_bot_token_as_app_token_fail(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    env = deployment(slack, discord) | {"SLACK_SIGNING_SECRET": None, "SLACK_APP_TOKEN": "xoxb-1"}

    result, lines = await givefirst_check(database, env)

    assert result.exit_code == 1
    assert line(lines, "✗ Slack signing secret: ") == (
        "✗ Slack signing secret: SLACK_SIGNING_SECRET is not set: givefirst slack will not "
        "start without it"
    )
    assert "Basic Information" in fix_after(lines, "✗ Slack signing secret: ")
    assert "not an app-level token" in line(lines, "✗ Slack app token: ")
    assert "connections:write" in fix_after(lines, "✗ Slack app token: ")


async def test_a_database_not_upgraded_is_a_failure_until_db_upgrade(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade("0006")
    finally:
        await storage.dispose()
    env = deployment(slack, discord)

    result, lines = await givefirst_check(url, env)

    assert result.exit_code == 1
    assert line(lines, "✗ schema: ") == (
        f"✗ schema: {int(HEAD) - 6} migrations to apply (at 0006, this version needs {HEAD})"
    )
    assert fix_after(lines, "✗ schema: ").startswith("run `givefirst db upgrade`")
    assert line(lines, "! communities: ").startswith("! communities: their channels")

    upgrade = await asyncio.to_thread(
        CliRunner().invoke, cli.main, ["--database-url", url, "db", "upgrade"]
    )
    assert upgrade.exit_code == 0, upgrade.output
    result, lines = await givefirst_check(url, env)
    assert result.exit_code == 0, result.output
    assert line(lines, "✓ schema: ") == f"✓ schema: current (revision {HEAD})"


async def test_a_sqlite_file_that_does_not_exist_is_reported_not_made(tmp_path: Path) -> None:
    path = tmp_path / "nowhere-yet.db"

    result, lines = await givefirst_check(f"sqlite:///{path}", {})

    assert result.exit_code == 1
    assert line(lines, "✗ database: ") == f"✗ database: no SQLite file at {path} yet"
    assert not path.exists()


async def test_a_sqlite_file_still_to_make_in_a_folder_this_user_cannot_write_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db upgrade` would fail there: the check says why, not only "run db upgrade".
    (The tests run as root, who may write anywhere: the folder's refusal is the
    operating system's answer, given here.)"""
    path = tmp_path / "nowhere-yet.db"
    refused = tmp_path  # as pytest makes it: no link on the way

    def access(where: object, mode: int) -> bool:
        return not (Path(str(where)).resolve() == refused and mode & os.W_OK)

    monkeypatch.setattr("storage.check.os.access", access)
    result, lines = await givefirst_check(f"sqlite:///{path}", {})

    assert result.exit_code == 1
    assert line(lines, "✗ database: ") == (
        f"✗ database: no SQLite file at {path} yet, and the folder {refused} cannot be "
        "written by this user to make one"
    )
    assert fix_after(lines, "✗ database: ").startswith(
        f"give the user givefirst runs as write access to {refused}, then: run `givefirst db"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_postgresql_server_nothing_answers_at_is_a_failure(tmp_path: Path) -> None:
    port = free_port()
    url = f"postgresql://givefirst@127.0.0.1:{port}/givefirst"

    result, lines = await givefirst_check(url, {})

    assert result.exit_code == 1
    assert line(lines, "✗ database: ").startswith(
        f"✗ database: PostgreSQL database givefirst on 127.0.0.1:{port}: nothing answers there"
    )
    assert fix_after(lines, "✗ database: ") == (
        "start PostgreSQL there, or correct the host and port in DATABASE_URL"
    )


@pytest.fixture
def postgres_server() -> str:
    server = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server:
        if os.environ.get("GIVEFIRST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL tests are required here: {POSTGRES_SKIP_REASON}")
        pytest.skip(POSTGRES_SKIP_REASON)
    return server


@pytest.mark.postgres
async def test_a_postgresql_database_that_does_not_exist_is_to_be_created(
    postgres_server: str,
) -> None:
    name = f"givefirst_missing_{uuid.uuid4().hex[:8]}"
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"

    result, lines = await givefirst_check(url, {})

    assert result.exit_code == 1
    assert line(lines, "✗ database: ").endswith(
        f"the server is up, but the database {name} does not exist"
    )
    assert "createdb -h " in fix_after(lines, "✗ database: ")


async def test_a_public_url_that_is_not_an_address_fails_and_plain_http_is_a_warning(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    env = deployment(slack, discord)
    malformed = await givefirst_check(database, env | {"GIVEFIRST_PUBLIC_URL": "givefirst.org"})
    plain = await givefirst_check(database, env | {"GIVEFIRST_PUBLIC_URL": "http://givefirst.org"})
    local = await givefirst_check(database, env | {"GIVEFIRST_PUBLIC_URL": slack.url})

    result, lines = malformed
    assert result.exit_code == 1
    assert line(lines, "✗ GIVEFIRST_PUBLIC_URL: ") == (
        "✗ GIVEFIRST_PUBLIC_URL: 'givefirst.org' is not an absolute http(s) address"
    )
    assert "https://" in fix_after(lines, "✗ GIVEFIRST_PUBLIC_URL: ")
    result, lines = plain
    assert result.exit_code == 0, result.output
    assert "session cookie will not be Secure" in line(lines, "! GIVEFIRST_PUBLIC_URL: ")
    result, lines = local
    assert result.exit_code == 0, result.output
    assert line(lines, "✓ GIVEFIRST_PUBLIC_URL: ") == (
        f"✓ GIVEFIRST_PUBLIC_URL: {slack.url} answers (HTTP 404)"
    ), "on this machine, it is fetched"
    result, lines = await givefirst_check(
        database, env | {"GIVEFIRST_PUBLIC_URL": "https://example.org/community/admin/"}
    )
    assert result.exit_code == 1
    assert "ends in /admin" in line(lines, "✗ GIVEFIRST_PUBLIC_URL: ")
    assert fix_after(lines, "✗ GIVEFIRST_PUBLIC_URL: ").endswith("https://example.org/community")


async def test_privileged_intents_givefirst_does_not_use_are_a_warning(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    discord.application_flags = SERVER_MEMBERS_INTENT | MESSAGE_CONTENT_INTENT

    result, lines = await givefirst_check(database, deployment(slack, discord))

    assert result.exit_code == 0, result.output
    assert line(lines, "! Discord intents: ") == (
        "! Discord intents: the Server Members Intent and Message Content Intent are on, "
        "but givefirst does not use them"
    )


async def test_a_privileged_intent_the_bot_connects_with_but_is_off_is_a_failure(
    discord: FakeDiscord,
) -> None:
    # givefirst connects with unprivileged intents only; a bot built to read members
    # needs the application's Server Members Intent on, or Discord refuses it.
    reading_members = discord_py.Intents.none()
    reading_members.guilds = True
    reading_members.members = True

    [_, off, *_] = await check_discord(DISCORD_TOKEN, [], wanted=reading_members)
    discord.application_flags = SERVER_MEMBERS_INTENT
    [_, on, *_] = await check_discord(DISCORD_TOKEN, [], wanted=reading_members)

    assert off.failed and "the Server Members Intent, which the application has off" in (off.detail)
    assert "Privileged Gateway Intents" in off.fix
    assert not on.failed and "Server Members Intent" in on.detail


async def test_warnings_alone_do_not_fail_the_check(
    database: str, slack: FakeSlack, discord: FakeDiscord, tmp_path: Path
) -> None:
    model = tmp_path / "no-such-model.onnx"
    env = deployment(slack, discord) | {
        "GIVEFIRST_MATCHING": None,
        "GIVEFIRST_EMBEDDING_MODEL": str(model),
    }

    result, lines = await givefirst_check(database, env)

    assert result.exit_code == 0, result.output
    assert line(lines, "! matching: ") == (
        "! matching: falls back to the skill vocabulary and words: GIVEFIRST_EMBEDDING_MODEL "
        f"points at {model}, which is not a file."
    )
    assert lines[-1].endswith("1 warning.")


async def test_an_unknown_time_zone_is_named_with_its_community(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        await add_communities(
            storage, Community(key=SLACK_COMMUNITY, channel_id="C0OFFERS", timezone="Mars/Base")
        )
    finally:
        await storage.dispose()

    result, lines = await givefirst_check(url, deployment(slack, discord))

    assert result.exit_code == 1
    assert line(lines, "✗ time zones: ") == (
        f"✗ time zones: unknown time zone for {SLACK_COMMUNITY} (Mars/Base)"
    )


async def test_with_oauth_each_installed_workspace_is_checked_with_its_own_bot(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    slack.register_app("1111.2222", "shh")
    _, staying = slack.approve_install(
        "1111.2222", team_id="T0STAYING", team_name="Staying", installer="U1"
    )
    _, leaving = slack.approve_install(
        "1111.2222", team_id="T0LEAVING", team_name="Leaving", installer="U2"
    )
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        store = AsyncSQLAlchemyInstallationStore(client_id="1111.2222", engine=storage.engine)
        for team, token in (("T0STAYING", staying), ("T0LEAVING", leaving)):
            await store.async_save(
                Installation(
                    app_id="A0GIVE1ST",
                    team_id=team,
                    user_id="U1",
                    bot_token=token,
                    bot_id="B1",
                    bot_user_id="U0BOT",
                )
            )
        await add_communities(
            storage,
            Community(key="slack:T0STAYING", channel_id="C0OFFERS"),
            Community(key="slack:T0GONE", channel_id="C0OFFERS"),
        )
    finally:
        await storage.dispose()
    slack.revoke(leaving)
    env = {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "shh",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_API_URL": slack.api_url,
        "GIVEFIRST_PUBLIC_URL": "https://givefirst.example.org",
        "GIVEFIRST_MATCHING": "lexical",
    }

    result, _ = await givefirst_check(url, env, "--json")

    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    found = {(c["name"], c["status"]): c for c in report["checks"]}
    assert found[("Slack installations", "ok")]["detail"] == "2 workspaces: T0LEAVING, T0STAYING"
    assert (
        "in the workspace Staying (T0STAYING)"
        in found[("Slack bot token of T0STAYING", "ok")]["detail"]
    )
    refused = found[("Slack bot token of T0LEAVING", "fail")]
    assert refused["detail"] == "Slack refused it (token_revoked)"
    assert "installs it again from /slack/install" in refused["fix"]
    assert found[("channel of slack:T0STAYING", "ok")]
    assert "slack:T0GONE" in found[("Slack installations", "warn")]["detail"]


async def test_a_server_that_never_answers_cannot_hang_the_check(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord_py.http.Route, "BASE", discord_py.http.Route.BASE)  # restored after
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accept, read nothing, answer nothing

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    silent = f"http://127.0.0.1:{port}"
    env = {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_API_URL": f"{silent}/api/",
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": f"{silent}/api/v10",
        "GIVEFIRST_PUBLIC_URL": silent,
        "GIVEFIRST_MATCHING": "lexical",
    }
    try:
        result, lines = await givefirst_check(database, env, "--timeout", "0.5")
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()

    assert result.exit_code == 1
    assert line(lines, "✗ Slack bot token: ") == (
        f"✗ Slack bot token: Slack could not be reached at {silent}/api/ (no answer within 0.5 s)"
    )
    assert line(lines, "✗ Discord token: ") == (
        f"✗ Discord token: Discord could not be reached at {silent}/api/v10 (no answer "
        "within 0.5 s)"
    )
    assert "nothing answers there" in line(lines, "! GIVEFIRST_PUBLIC_URL: ")


def test_the_scopes_checked_are_the_bot_scopes_manifest_yml_asks_for() -> None:
    manifest = yaml.safe_load((Path(__file__).parent.parent / "manifest.yml").read_text())
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


async def test_settings_that_cannot_be_used_are_named_without_a_traceback(database: str) -> None:
    result, lines = await givefirst_check(database, {"DISCORD_GUILD_ID": "#offers"})

    assert result.exit_code == 2
    assert lines == [
        "Error: These settings cannot be used:",
        "DISCORD_GUILD_ID='#offers': Input should be a valid integer, unable to parse string "
        "as an integer",
    ]


async def test_serving_options_the_serving_commands_would_refuse_fail_the_check(
    database: str,
) -> None:
    result, lines = await givefirst_check(
        database, {"GIVEFIRST_MATCHING": "lexical", "GIVEFIRST_SHUTDOWN_GRACE": "abc"}
    )
    assert result.exit_code == 1
    assert line(lines, "✗ serving options: ") == (
        "✗ serving options: GIVEFIRST_SHUTDOWN_GRACE='abc' cannot be read"
    )
    assert fix_after(lines, "✗ serving options: ") == "write a number of seconds, e.g. 20"
    result, lines = await givefirst_check(
        database, {"GIVEFIRST_MATCHING": "lexical", "GIVEFIRST_METRICS_PORT": "9100"}
    )
    assert line(lines, "✓ serving options: ") == "✓ serving options: GIVEFIRST_METRICS_PORT=9100"
    result, lines = await givefirst_check(database, {"GIVEFIRST_MATCHING": "lexical"})
    assert not any("serving options" in one for one in lines), "nothing set, nothing said"
