"""Admin settings: who may change them, and what each one does."""

from __future__ import annotations

from datetime import datetime

from bot import commands as c
from bot import render, setting_values
from bot.commands import WEEKDAYS
from bot.errors import InvalidInput, NotAllowed
from bot.render import rounds as round_words
from bot.schedule import HALF_WEEK, WEEK, next_round
from bot.skills import Vocabulary
from bot.skills.text import words
from bot.text import mention_of, quotable
from bot.use_cases.context import Context, Messages


def rereads_words(command: c.Command) -> bool:
    """Whether a command changes how the sentence model reads the community's words
    (its aliases): what uses them is encoded again once it is done."""
    return isinstance(command, c.Configure) and command.setting == "alias"


async def show_config(ctx: Context, cmd: c.ShowConfig) -> Messages:
    return [render.config_message(ctx.actor.user_id, ctx.community)]


async def configure(ctx: Context, cmd: c.Configure) -> Messages:
    if not ctx.is_admin:
        raise NotAllowed(
            "Only community admins can change settings. Ask an admin, or see the "
            "current settings with `/givefirst config`."
        )
    values = setting_values.spelled(cmd.setting, cmd.values)
    setting_values.validate_setting(cmd.setting, values)
    community = ctx.community
    zone_before = community.timezone
    match cmd.setting:
        case "channel":
            community.channel_id = setting_values.channel_id_of(values[0])
        case "digest":
            community.digest_weekday = WEEKDAYS.index(values[0].lower())
            hour = setting_values.parse_hour(values[1])
            if hour.minute:
                raise InvalidInput("The digest goes out on the hour; use e.g. `09:00`.")
            community.digest_hour = hour.hour
            if len(values) == 3:
                community.timezone = setting_values.ensure_timezone(values[2])
        case "timezone":
            community.timezone = setting_values.ensure_timezone(values[0])
        case "capacity":
            community.capacity = int(values[0])
        case "expiry":
            community.intro_expiry_days = int(values[0])
        case "follow-up":
            community.follow_up_days = int(values[0])
        case "quiet-weeks":
            community.skip_quiet_weeks = values[0].lower() == "skip"
        case "admins":
            user = setting_values.user_id_of(values[1]) or ""
            others = [a for a in community.admin_ids if a != user]
            if values[0].lower() == "remove" and user not in community.admin_ids:
                raise InvalidInput(
                    f"{mention_of(user)} is not one of the admins added here (platform admins "
                    "cannot be removed here); `/givefirst config` lists them."
                )
            community.admin_ids = [*others, user] if values[0].lower() == "add" else others
        case "alias" if values[0].lower() == "remove":
            alias = values[1].strip().lower()
            if alias not in community.aliases:
                raise InvalidInput(
                    f"There is no alias `{quotable(alias)}` here; `/givefirst config` lists them."
                )
            community.aliases = {a: s for a, s in community.aliases.items() if a != alias}
        case "alias":
            alias, skill = (v.strip().lower() for v in values[0].split("="))
            note = _alias_note(ctx, alias, skill)
            community.aliases = {**community.aliases, alias: skill}
            return [
                render.reply(ctx.member, f"✅ Saved.{note}"),
                render.config_message(ctx.actor.user_id, community),
            ]
        case "rounds":
            return [
                *await _configure_rounds(ctx, values),
                render.config_message(ctx.actor.user_id, community),
            ]
    moved = community.timezone != zone_before and community.rounds_on
    if moved:
        community.rounds_since = await _rounds_from(ctx)
    note = (
        f" (Give-first rounds keep the community's time zone too: now "
        f"{round_words.schedule(community)}.)"
        if moved
        else ""
    )
    return [
        render.reply(ctx.member, f"✅ Saved.{note}"),
        render.config_message(ctx.actor.user_id, community),
    ]


def _alias_note(ctx: Context, alias: str, skill: str) -> str:
    """Refuses an alias whose skill is itself an alias here, or whose words another
    alias stands for: aliases do not chain, so ``aa=bb`` with ``bb=aa`` would tag an
    offer #bb and an ask #aa, which never meet. Words are compared as tags are read
    (``foo_bar``, ``foo-bar`` and ``Foo Bar`` are the same). Says what the words meant
    before, if the alias changes that."""
    mine = {_tag(a): (a, s) for a, s in ctx.community.aliases.items()}
    alias_words, skill_words = _tag(alias), _tag(skill)
    if alias_words == skill_words:
        raise InvalidInput("An alias is two different words: `alias tf=terraform`.")
    if skill_words in mine and _tag(mine[skill_words][1]) == alias_words:
        raise InvalidInput(
            f"`{quotable(skill)}` is an alias for `{quotable(alias)}` already: the other way "
            "round as well would go in a circle."
        )
    if skill_words in mine:
        target = quotable(mine[skill_words][1])
        raise InvalidInput(
            f"`{quotable(skill)}` is itself an alias here (for `{target}`): "
            f"use `alias {quotable(alias)}={target}`."
        )
    standing_for = sorted(a for a, s in mine.values() if _tag(s) == alias_words)
    if standing_for:
        other, words_ = quotable(standing_for[0]), quotable(alias)
        raise InvalidInput(
            f"`{other}` is an alias for `{words_}`, so `{words_}` cannot be one too: "
            f"remove it first (`alias remove {other}`)."
        )
    shipped = Vocabulary.default()
    if alias_words in mine:
        before = mine[alias_words][1]
    elif (known := shipped.normalise(alias)) in shipped and known == shipped.normalise(skill):
        raise InvalidInput(
            f"`{quotable(alias)}` and `{quotable(skill)}` are the same skill already "
            f"({quotable(shipped.describe(known))}): nothing to change."
        )
    elif known in shipped:
        before = shipped.describe(known)
    else:
        return ""
    if _tag(before) == skill_words or shipped.normalise(before) == shipped.normalise(skill):
        return ""
    if _tag(before) == alias_words:
        return f" (`{quotable(alias)}` was a skill of its own before.)"
    return f" (`{quotable(alias)}` meant {quotable(before)} before.)"


def _tag(text: str) -> str:
    """Words as a tag reads them: ``#Foo_Bar`` and ``foo-bar`` are ``foo bar``."""
    return " ".join(words(text.lstrip("#")))


async def _rounds_from(ctx: Context) -> datetime:
    """When a changed rounds schedule starts: its first round is the first slot after
    this. Now, unless a round ran lately: then the next comes about a round's interval
    after it, on the new schedule (a new time zone or hour never repeats that round)."""
    community = ctx.community
    assert community.id is not None
    [*last] = await ctx.uow.rounds.latest(community.id, 1)
    if not last:
        return ctx.now
    return max(ctx.now, last[0].slot + community.rounds_every_weeks * WEEK - HALF_WEEK)


async def _configure_rounds(ctx: Context, values: tuple[str, ...]) -> Messages:
    """Rounds on (with an announcement and a Join button), off, or their group size."""
    community, words = ctx.community, [v.lower() for v in values]
    if words == ["off"]:
        community.rounds_every_weeks = 0
        return [render.reply(ctx.member, "✅ Saved — give-first rounds are off.")]
    if words[0] == "size":
        community.rounds_size = int(words[1])
        return [render.reply(ctx.member, "✅ Saved.")]
    schedule = setting_values.rounds_schedule(values)
    was_on = community.rounds_on
    community.rounds_every_weeks = schedule.every_weeks
    community.rounds_weekday, community.rounds_hour = schedule.weekday, schedule.hour
    if schedule.timezone is not None:
        community.timezone = schedule.timezone
    community.rounds_since = await _rounds_from(ctx)
    saved = render.reply(ctx.member, "✅ Saved.")
    if was_on:
        return [saved]
    return [saved, round_words.announcement(community, next_round(community, ctx.now))]
