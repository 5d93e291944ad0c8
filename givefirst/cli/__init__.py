"""The ``givefirst`` command, by purpose: serving communities (:mod:`.serve`), trying
givefirst locally (:mod:`.local`) and looking after a deployment (:mod:`.operate`).
What goes wrong is said in a line or two (:mod:`.errors`)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click
from dotenv import load_dotenv
from pydantic import ValidationError

from givefirst.cli import check, errors, local, operate, serve
from givefirst.cli.context import Invocation
from givefirst.settings import Settings

SERVING = frozenset({"slack", "discord", "scheduler", "web"})
"""Commands that run until stopped: they log what they do (INFO) unless LOG_LEVEL says
otherwise; the others log only warnings, so their own output reads clearly."""


class GiveFirstCommands(click.Group):
    """Runs a subcommand; an error it raises becomes a message saying what to do."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            importing = ctx.invoked_subcommand == "import-members"  # all rows or none
            click.echo("Stopped: nothing was imported." if importing else "Stopped.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The output went to a reader that stopped reading (`| head`): nothing to
            # say, and nothing more can be written there.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(errors.FAILED)
        except Exception as error:
            invocation = ctx.obj if isinstance(ctx.obj, Invocation) else None
            if invocation is None or invocation.debug:
                raise
            explained = errors.explain(error, invocation.database_url)
            if explained is None:
                click.echo(errors.unforeseen(error), err=True)
                ctx.exit(errors.FAILED)
            click.echo(f"Error: {explained.message}", err=True)
            ctx.exit(explained.exit_code)


@click.group(cls=GiveFirstCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="Where to keep data (default: sqlite givefirst.db in this folder).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Log everything, and show the traceback of an error (like LOG_LEVEL=DEBUG).",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read settings from this file of KEY=value lines too (much as systemd's "
    "EnvironmentFile; the environment wins over it).",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None, debug: bool, env_file: Path | None) -> None:
    """givefirst — a community bot that helps members give before they ask."""
    # Every setting may be kept in .env, those read as command-line options too (the
    # environment wins over the file).
    if env_file is not None:
        _read_settings(env_file, f"The file {env_file}")
    if Path(".env").is_file():
        _read_settings(Path(".env"), "The .env file in this folder")
    try:
        settings = Settings()
    except ValidationError as invalid:
        raise errors.UnusableSettings(errors.unusable_settings(invalid)) from None
    chosen = "DEBUG" if debug else settings.log_level.upper()
    if "LOG_LEVEL" not in os.environ and not debug and ctx.invoked_subcommand not in SERVING:
        chosen = "WARNING"
    logging.basicConfig(level=chosen, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if chosen != "DEBUG":
        # Migration chatter on every start helps nobody; failures still surface.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = Invocation(
        settings, database_url or settings.database_url, debug=debug or chosen == "DEBUG"
    )


def _read_settings(path: Path, named: str) -> None:
    """Settings from a file of KEY=value lines, read much as systemd reads an
    EnvironmentFile (no ``$`` expansion); what the environment has already wins."""
    try:
        with path.open(encoding="utf-8") as lines:
            load_dotenv(stream=lines, override=False, interpolate=False)
    except UnicodeDecodeError:
        raise errors.UnusableSettings(
            f"{named} is not UTF-8 text: save it as UTF-8 (plain KEY=value lines)."
        ) from None
    except OSError as error:
        raise errors.UnusableSettings(f"Cannot read {path}: {error.strerror}.") from None


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
