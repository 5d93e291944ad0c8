"""Looking after a deployment: ``db``, ``import-members``, ``match``, ``digest``,
``rounds preview``, and how communities are doing (``stats``)."""

from __future__ import annotations

import json
import math
import shutil
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TextIO, TypeVar

import click

from adapters.console import ConsoleChat
from bot.directory_import import (
    BadRows,
    MemberImportError,
    NotInEncoding,
    decoded,
    parse_member_file,
)
from bot.domain import Member
from bot.errors import GiveFirstError, InvalidInput
from bot.health import DEFAULT_WEEKS, CommunityHealth
from bot.matching import Candidate
from bot.render import health as words
from bot.skills import Vocabulary
from bot.text import a_name, checked, plural
from givefirst.bootstrap import running
from givefirst.cli.context import (
    IN_MEMORY,
    Invocation,
    NoDatabase,
    community_key,
    database_named,
    existing_database,
    in_memory,
    pass_invocation,
    readable_text,
    run,
)
from givefirst.cli.serve import (
    configured_platforms,
    scheduled_chats,
    slack_oauth_client_id,
    slack_options,
)
from givefirst.settings import Settings
from storage import Storage

T = TypeVar("T")

community_option = click.option(
    "--community", "community_key", callback=community_key, required=True, help="e.g. slack:T0123"
)
only_community_option = click.option(
    "--community",
    "community_key",
    callback=community_key,
    default=None,
    help="Only this community.",
)


@click.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@community_option
@click.option(
    "--encoding",
    default="utf-8-sig",
    show_default=True,
    help="The file's text encoding, e.g. cp1252 for Excel's 'CSV' on Windows.",
)
@click.option(
    "--delimiter",
    type=click.Choice([",", ";", "tab"]),
    default=None,
    help="A CSV file's delimiter (default: read from its header row).",
)
@pass_invocation
def import_members(
    invocation: Invocation,
    file: Path,
    community_key: str,
    encoding: str,
    delimiter: str | None,
) -> None:
    """Import a member directory (CSV, JSON or JSON Lines): all rows or none."""
    try:
        "".encode(encoding)  # rot13 and base64 are codecs too, but not of text
    except LookupError:
        raise click.BadParameter(
            f"{encoding!r} is not an encoding I know (try utf-8, cp1252 or latin-1).",
            param_hint="--encoding",
        ) from None
    try:
        records = parse_member_file(
            file,
            Vocabulary.default(),
            encoding=encoding,
            delimiter="\t" if delimiter == "tab" else delimiter,
        )
    except NotInEncoding as error:
        hint = (
            'save it as "CSV UTF-8" from your spreadsheet, or pass --encoding cp1252 '
            "(Excel on Windows) or --encoding latin-1"
            if error.encoding == "UTF-8"
            else "pass the --encoding it was saved in"
        )
        raise click.ClickException(f"{file}: {error} — {hint}. Nothing was imported.") from None
    except MemberImportError as error:
        if isinstance(error, BadRows) and len(error.problems) > 1:  # a list, line by line
            raise click.ClickException(
                f"{file}: {error}\nNothing was imported: put these rows right and import again."
            ) from None
        raise click.ClickException(f"{file}: {error} — nothing was imported.") from None

    async def store() -> Any:
        async with running(
            invocation.database_url, settings=invocation.settings, matching=True
        ) as runtime:
            with progress_bar(len(records), "Importing") as bar:
                summary = await runtime.bot.import_members(community_key, records, bar.update)
            if runtime.bot.encoder is not None:
                members = await runtime.bot.count_members(community_key)
                with progress_bar(members, "Reading their words") as bar:
                    await runtime.bot.fill_vectors(community_key=community_key, progress=bar.update)
            return summary

    summary = run(store)
    imported = len(records) - summary.forgotten
    click.echo(
        f"Imported {plural(imported, 'member')} into {community_key}: "
        f"{summary.created:,} new, {summary.updated:,} updated, "
        f"{plural(summary.offers, 'offer')} added"
        + (
            f", {plural(summary.closed, 'imported offer')} closed (no longer in the file)."
            if summary.closed
            else "."
        )
    )
    if summary.not_in_file:
        one = summary.not_in_file == 1
        click.echo(
            f"{plural(summary.not_in_file, 'member')} on record {'is' if one else 'are'} not "
            f"in this file and {'stays' if one else 'stay'} as they were (`givefirst db "
            "forget-member` removes one for good)."
        )
    if summary.forgotten:
        click.echo(
            f"Left out {plural(summary.forgotten, 'member')} who asked givefirst to forget "
            "them: they come back only by using givefirst again themselves."
        )


@click.command()
@click.argument("text", required=False, callback=readable_text)
@community_option
@click.option("--top", default=3, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--file",
    "batch",
    type=click.File("rb"),
    default=None,
    help="Read one ask per line (- for stdin); prints one JSON line per ask.",
)
@pass_invocation
def match(
    invocation: Invocation,
    text: str | None,
    community_key: str,
    top: int,
    as_json: bool,
    batch: BinaryIO | None,
) -> None:
    """Show who would be suggested for an ask, with scores and reasons."""
    if text is not None and batch is not None:
        raise click.UsageError("Give the ask as TEXT or with --file, not both.")
    if batch is None:
        if text is None:
            raise click.UsageError("Give the ask as TEXT, or --file PATH with one ask per line.")
        try:
            asks = [
                checked(
                    text,
                    what="ask",
                    example='givefirst match --community slack:T0123 "help with my CV"',
                )
            ]
        except InvalidInput as error:
            raise click.UsageError(error.message) from None
    else:
        asks = _asks_in(batch)
    existing_database(invocation.database_url)

    async def rank() -> list[dict[str, Any]]:
        async with running(
            invocation.database_url, settings=invocation.settings, matching=True
        ) as runtime:
            found = await runtime.bot.match(community_key, asks, top=top)
        return [
            {
                "ask": ask,
                "helpers": _rows(m.confident),
                "closest": _rows(m.closest),
                "stands_out_by": m.stands_out_by,
                "confident_from": m.confident_from,
                "says_the_same": m.says_the_same,
                "many_have_it": m.many_have_it,
                "set_aside": None
                if m.set_aside is None
                else {
                    "handle": m.set_aside[0].platform_user_id,
                    "name": m.set_aside[0].name,
                    "why": m.set_aside[1],
                },
            }
            for ask, m in zip(asks, found, strict=True)
        ]

    results = run_saying(rank)
    if batch is not None:
        for result in results:
            click.echo(json.dumps(result, ensure_ascii=False))
    elif as_json:
        click.echo(json.dumps(results[0], indent=2, ensure_ascii=False))
    else:
        _print_matches(results[0])


def run_saying(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """:func:`run`, with what the core refuses (no such community …) said in a line."""
    try:
        return run(coro_fn)
    except GiveFirstError as error:
        raise click.ClickException(error.message) from None


def progress_bar(length: int, label: str) -> Any:
    """A progress bar on a terminal; elsewhere (logs, pipes, a container's output) a
    line at each tenth of the way, so a long import is seen to move."""
    if sys.stderr.isatty():
        return click.progressbar(length=length, label=label, file=sys.stderr)
    return _ProgressLines(length, label)


class _ProgressLines:
    """:func:`progress_bar` off a terminal: ``Importing: 2,000 of 20,000 (10%)``."""

    def __init__(self, length: int, label: str) -> None:
        self._length, self._label = length, label
        self._done = self._said = 0

    def __enter__(self) -> _ProgressLines:
        return self

    def __exit__(self, *_: object) -> None:
        if self._done and self._said < 10:
            self._say()  # the last line says where it stopped, short of the whole or not

    def update(self, steps: int) -> None:
        self._done += steps
        tenths = min(10, 10 * self._done // max(self._length, 1))
        if tenths > self._said:
            self._said = tenths
            self._say()

    def _say(self) -> None:
        share = self._done / max(self._length, 1)
        click.echo(f"{self._label}: {self._done:,} of {self._length:,} ({share:.0%})", err=True)


def _asks_in(batch: BinaryIO) -> list[str]:
    """The asks in ``match --file``, one a line: UTF-8 text (or UTF-16, read as a member
    file is), each line an ask as ``/ask`` would take it; or a line saying
    which line is not, and nothing matched."""
    raw, name = batch.read(), getattr(batch, "name", "-")
    name = "stdin" if name in ("-", "<stdin>") else name
    try:
        text = decoded(raw)
    except NotInEncoding as error:
        raise click.ClickException(
            f"{name}, {error} — save the file as UTF-8. Nothing was matched."
        ) from None
    asks = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            asks.append(checked(line, what="ask", example="help with my CV"))
        except InvalidInput as error:
            raise click.ClickException(
                f"{name}, line {number}: {error.message} Nothing was matched."
            ) from None
    if not asks:
        raise click.ClickException(f"{name} has no ask in it (one a line): nothing was matched.")
    return asks


def _rows(found: Sequence[tuple[Member, Candidate]]) -> list[dict[str, Any]]:
    return [
        {
            "handle": m.platform_user_id,
            "name": m.name,
            "score": round(c.score, 4),
            "reasons": list(c.reasons),
        }
        for m, c in found
    ]


def _print_matches(result: dict[str, Any]) -> None:
    if not result["helpers"] and not result["closest"]:
        click.echo("Nobody yet — no member is a good enough fit.")
    elif not result["helpers"]:
        click.echo("No one is a clear fit yet. The closest, as a lead:")
    for i, row in enumerate(result["helpers"] or result["closest"], 1):
        click.echo(
            f"{i}. {a_name(row['handle'])} ({a_name(row['name'])})  score {row['score']:.3f}"
        )
        for reason in row["reasons"]:
            click.echo(f"     {reason}")
    if (aside := result["set_aside"]) is not None:
        click.echo(
            f"(The best fit, {a_name(aside['handle'])} ({a_name(aside['name'])}), "
            f"{aside['why']}: not suggested.)"
        )
    if result["stands_out_by"] is None:
        click.echo("(Matched by words alone.)")
    else:
        lead = result["stands_out_by"]
        # Rounded down: 0.2588 shown as 0.26 beside "from 0.26" read as confident.
        shown = math.floor(lead * 100 + 1e-9) / 100
        stands = f"stands out by {shown:.2f}" if lead > 0 else "does not stand out"
        enough = (
            "; their own words say nearly what the ask says, which is enough"
            if result["says_the_same"]
            else "; many members have the skill the ask names, which is enough"
            if result["many_have_it"]
            else ""
        )
        same = enough if lead < result["confident_from"] else ""
        click.echo(
            f"(The best member {stands}; this community suggests with confidence from "
            f"{result['confident_from']:.2f}{same}.)"
        )


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_invocation
def db_upgrade(invocation: Invocation) -> None:
    """Create or migrate the database schema to the latest version."""
    if in_memory(invocation.database_url):
        raise NoDatabase(IN_MEMORY)

    async def upgrade() -> tuple[str | None, str | None]:
        storage = Storage.connect(invocation.database_url)
        try:
            before = await storage.revision()
            await storage.upgrade()
            return before, await storage.revision()
        finally:
            await storage.dispose()

    before, after = run(upgrade)
    where = database_named(invocation.database_url)
    if before is None:
        click.echo(f"Created the database {where} (schema version {after}).")
    elif before != after:
        click.echo(f"Upgraded the database {where} from schema version {before} to {after}.")
    else:
        click.echo(f"The database {where} is up to date (schema version {after}).")


@db.command("embed")
@only_community_option
@pass_invocation
def db_embed(invocation: Invocation, community_key: str | None) -> None:
    """Make the vectors matching reads that are missing or out of date: after an import
    made without a sentence model, or after changing GIVEFIRST_EMBEDDING_MODEL. Serving
    processes also do this in the background when they start."""

    async def embed() -> int:
        async with running(
            invocation.database_url, settings=invocation.settings, matching=True
        ) as runtime:
            if runtime.bot.encoder is None:
                raise click.ClickException(
                    "No sentence model is in use (GIVEFIRST_MATCHING=lexical, or the "
                    "model could not be loaded: see the log above); nothing to do."
                )
            members = await runtime.bot.count_members(community_key)
            with progress_bar(members, "Reading members' words") as bar:
                return await runtime.bot.fill_vectors(
                    community_key=community_key, progress=bar.update
                )

    encoded = run_saying(embed)
    click.echo(f"Encoded {plural(encoded, 'field')}; every vector is up to date.")


@db.command("export-member")
@click.argument("key", callback=community_key)
@click.argument("handle", callback=readable_text)
@pass_invocation
def db_export_member(invocation: Invocation, key: str, handle: str) -> None:
    """Print, as JSON, everything community KEY holds about member HANDLE (their
    platform user ID), as /givefirst export would send it to them: for a member who
    asks but can no longer use the bot."""
    existing_database(invocation.database_url)

    async def export() -> dict[str, Any] | None:
        async with running(invocation.database_url) as runtime:
            return await runtime.bot.export_member(key, handle)

    data = run_saying(export)
    if data is None:
        raise _no_member(invocation, key, handle)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@db.command("forget-member")
@click.argument("key", callback=community_key)
@click.argument("handle", callback=readable_text)
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
@pass_invocation
def db_forget_member(invocation: Invocation, key: str, handle: str, yes: bool) -> None:
    """Erase member HANDLE (their platform user ID) of community KEY as
    /givefirst forget-me does: for a member who asks but can no longer use the bot.
    The scheduler then removes the bot's posts of their words."""
    existing_database(invocation.database_url)
    if not yes:

        async def found() -> str | None:
            async with running(invocation.database_url) as runtime:
                return await runtime.bot.member_handle(key, handle)

        if run_saying(found) is None:  # said before asking to confirm
            raise _no_member(invocation, key, handle)
        click.confirm(f"Erase the data of {handle} in {key}? This cannot be undone.", abort=True)

    async def forget() -> bool:
        async with running(invocation.database_url) as runtime:
            return await runtime.bot.forget_member(key, handle)

    if not run_saying(forget):
        raise _no_member(invocation, key, handle)
    click.echo(
        f"Erased the data of {handle} in {key}. The scheduler (in `givefirst slack` or "
        "`discord`, or `givefirst scheduler`) removes givefirst's posts of their offers, "
        "asks and thanks, and their name from others' posts, within a minute of running."
    )


def _no_member(invocation: Invocation, key: str, handle: str) -> click.ClickException:
    async def forgotten() -> bool:
        async with running(invocation.database_url) as runtime:
            return await runtime.bot.used_forget_me(key, handle)

    if run_saying(forgotten):
        return click.ClickException(
            f"{handle!r} of {key} used forget-me: givefirst keeps nothing of theirs but "
            "anonymous counts."
        )
    return click.ClickException(
        f"{key} has no member {handle!r}: give their platform user ID (on Slack U…, on "
        "Discord a number)."
    )


@db.command("forget-community")
@click.argument("key")
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
@pass_invocation
def db_forget_community(invocation: Invocation, key: str, yes: bool) -> None:
    """Erase what community KEY (e.g. slack:T0123) holds: every member as by forget-me
    (profiles, offers, asks, thank-you notes, scheduled messages), the community's
    settings, and for Slack its installation (made through OAuth with the configured
    SLACK_CLIENT_ID); only anonymous counts remain."""
    if not yes:
        click.confirm(f"Erase the data of {key}? This cannot be undone.", abort=True)

    async def forget() -> bool:
        async with running(invocation.database_url) as runtime:
            if not await runtime.bot.forget_community(key):
                return False
            store = slack_options(invocation.settings, runtime.storage).installation_store
            if key.startswith("slack:") and store is not None:
                await store.async_delete_all(enterprise_id=None, team_id=key.removeprefix("slack:"))
            return True

    if not run(forget):
        raise click.ClickException(f"There is no community {key!r} in this database.")
    click.echo(f"Erased the data of {key}.")
    if key.startswith("slack:") and not slack_oauth_client_id(invocation.settings):
        click.echo(
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not set, so no Slack installation "
            "was looked for: if the workspace installed givefirst through OAuth, run this "
            "again with them set as when serving, to remove its bot token."
        )


@click.command()
@community_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print a digest of the last 7 days, as it would read now, instead of posting the week's.",
)
@pass_invocation
def digest(invocation: Invocation, community_key: str, dry_run: bool) -> None:
    """Show a digest of the last 7 days for a community, or post this week's now
    (the week up to the latest digest slot, as the scheduler posts it).

    Posting goes through the same claim as the scheduler, so a week's digest is
    never posted twice. It needs the platform's credentials: SLACK_BOT_TOKEN (or an
    OAuth install, with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) for slack:
    communities, DISCORD_TOKEN for discord: ones.
    """
    settings: Settings = invocation.settings
    platform = community_key.partition(":")[0]
    if not dry_run and platform == "console":
        raise click.UsageError(
            "A console: community lives in this terminal only, with nowhere to post its "
            "digest: use --dry-run to see it (or /wait in `givefirst shell`)."
        )
    if not dry_run and platform not in configured_platforms(settings):
        raise click.UsageError(
            f"Posting to a {platform}: community needs that platform's credentials: "
            "SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) for slack:, "
            "DISCORD_TOKEN for discord:. Use --dry-run to see the digest instead."
        )

    existing_database(invocation.database_url)

    async def show() -> bool:
        async with running(invocation.database_url) as runtime:
            preview = await runtime.bot.digest_preview(community_key)
        if preview is None:
            return False
        community, message = preview
        ConsoleChat(sys.stdout).preview(message, channel=community.channel_id)
        return True

    async def post() -> str:
        async with running(invocation.database_url) as runtime:
            # Other communities' waiting messages are left to their schedulers.
            scheduler = runtime.scheduler(community=community_key)
            # Connect before claiming, so that refused credentials leave the week unclaimed.
            async with scheduled_chats(settings, runtime.storage, only=platform) as chats:
                outcome = await scheduler.claim_current_digest(community_key, even_if_quiet=True)
                if outcome == "queued":
                    delivered = await scheduler.deliver(chats[platform])
                    if delivered.failed:
                        raise click.ClickException(
                            f"The digest could not be posted ({delivered.failed} message "
                            "failed; the log above says why)."
                        )
                    outcome = f"Posted ({delivered.sent} sent, {delivered.held} to retry)."
            return outcome

    if not dry_run:
        click.echo(run(post))
    elif not run(show):
        raise click.ClickException(f"No community {community_key!r} in this database.")


@click.command()
@only_community_option
@click.option(
    "--weeks",
    default=None,
    type=click.IntRange(1, 52),
    help=f"Weeks to show, up to this one (default: {DEFAULT_WEEKS}; in a table on a "
    "terminal, as many as fit its width, at least 4).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: a row per community and week.")
@pass_invocation
def stats(
    invocation: Invocation,
    community_key: str | None,
    weeks: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """How each community is doing: asks and how they ended, time to an introduction,
    givers and askers, new ties, helper load, gaps; per week and all time. No figure
    names a member."""
    if as_json and as_csv:
        raise click.UsageError("Choose --json or --csv, not both.")
    existing_database(invocation.database_url)
    if weeks is None:
        weeks = DEFAULT_WEEKS if as_json or as_csv else weeks_that_fit(sys.stdout)

    async def collect() -> list[CommunityHealth]:
        async with running(invocation.database_url) as runtime:
            keys = [community_key] if community_key else await runtime.bot.community_keys()
            found = [await runtime.bot.health(key, weeks=weeks) for key in keys]
        return [health for health in found if health is not None]

    healths = run(collect)
    if community_key and not healths:
        raise click.ClickException(f"There is no community {community_key!r} in this database.")
    if as_json:
        click.echo(json.dumps([words.as_json(h) for h in healths], indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(words.as_csv(healths), nl=False)
    elif not healths:
        click.echo("No communities yet.")
    else:
        click.echo("\n\n".join(health_table(h) for h in healths))


TABLE_COLUMN = 9
"""Characters a week takes in the stats table."""


def weeks_that_fit(out: TextIO) -> int:
    """On a terminal, as many weeks as its width leaves room for beside the labels, all
    time and the weeks together (between 4 and the default); elsewhere the default."""
    if not out.isatty():
        return DEFAULT_WEEKS
    label_width = max(len(line.label) for line in words.FIGURES)
    room = shutil.get_terminal_size().columns - label_width - 2 * TABLE_COLUMN
    return max(4, min(DEFAULT_WEEKS, room // TABLE_COLUMN))


def health_table(health: CommunityHealth) -> str:
    """One community's figures as a plain-text table: all time, the weeks together,
    then each week, newest first."""
    columns = [
        "all time",
        plural(len(health.weeks), "week"),
        *[f"{w.start:%d %b}{'*' if w.partial else ''}" for w in reversed(health.weeks)],
    ]
    periods = [health.all_time, health.window, *[w.figures for w in reversed(health.weeks)]]
    label_width = max(len(line.label) for line in words.FIGURES)
    width = max(8, *(len(c) + 1 for c in columns))
    lines = [
        f"{health.community_key} — {plural(health.members, 'member')} now; as of "
        f"{health.computed_at:%Y-%m-%d %H:%M} UTC; weeks start on Monday "
        f"({health.timezone}); * this week so far",
        "figure".ljust(label_width) + "".join(c.rjust(width) for c in columns),
    ]
    for line in words.FIGURES:
        cells = "".join(words.shown(line.kind, line.value(f)).rjust(width) for f in periods)
        lines.append(line.label.ljust(label_width) + cells)
    span = plural(len(health.weeks), "week")
    lines.append(f"Helper load, {span}: {words.load_line(health.window)}")
    gaps = ", ".join(f"{g.label} ({g.asks})" for g in health.gaps) or "none"
    lines.append(f"Gaps, {span} (asked for in public, nobody to suggest): {gaps}")
    return "\n".join(lines)


@click.group()
def rounds() -> None:
    """Give-first rounds."""


@rounds.command("preview")
@community_option
@pass_invocation
def rounds_preview(invocation: Invocation, community_key: str) -> None:
    """Show the next round's pairs (or trios) and why, as they would be planned now;
    nothing is claimed or sent."""
    existing_database(invocation.database_url)

    async def plan() -> str | None:
        async with running(invocation.database_url) as runtime:
            preview = await runtime.bot.round_preview(community_key)
        return preview.as_plain_text() if preview is not None else None

    shown = run(plan)
    if shown is None:
        raise click.ClickException(f"There is no community {community_key!r} in this database.")
    click.echo(shown)
