"""The ``givefirst`` command, by purpose: serving communities (:mod:`.serve`), trying
givefirst locally (:mod:`.local`) and looking after a deployment (:mod:`.operate`)."""

from __future__ import annotations

import logging

import click
from pydantic import ValidationError

from givefirst.cli import check, local, operate, serve
from givefirst.cli.context import Invocation
from givefirst.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="Where to keep data (default: sqlite givefirst.db in this folder).",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """givefirst — a community bot that helps members give before they ask."""
    try:
        settings = Settings()
    except ValidationError as invalid:
        raise click.ClickException(unusable_settings(invalid)) from None
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        # Migration chatter on every start helps nobody; failures still surface.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = Invocation(settings, database_url or settings.database_url)


def unusable_settings(invalid: ValidationError) -> str:
    """Which settings cannot be used, and why, one line each."""
    lines = [
        f"{'.'.join(str(part) for part in error['loc']).upper()}={error['input']!r}: {error['msg']}"
        for error in invalid.errors()
    ]
    return "These settings cannot be used:\n" + "\n".join(lines)


for command in (
    local.demo,
    local.shell,
    serve.slack,
    serve.discord,
    serve.scheduler,
    serve.web,
    operate.import_members,
    operate.match,
    operate.db,
    operate.digest,
    operate.stats,
    operate.rounds,
    check.check,
):
    main.add_command(command)

__all__ = ["main"]
