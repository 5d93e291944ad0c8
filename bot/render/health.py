"""How a community is doing, in words: each figure's name and meaning, its value as
text, the same figures as rows for ``givefirst stats`` and the dashboard's CSV, and
the sign-in link an admin gets in chat."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.health import IDEAL_GIVERS_PER_ASKER, CommunityHealth, Figures, Gap
from bot.messages import Ephemeral, Link, Message, Paragraph, Small, message, text
from bot.text import plural

Kind = Literal["count", "share", "hours", "ratio"]
Value = int | float | None


@dataclass(frozen=True)
class FigureLine:
    key: str
    """The name in JSON and CSV."""
    label: str
    kind: Kind
    value: Callable[[Figures], Value]
    meaning: str
    headline: bool = False
    higher_is_better: bool = True


FIGURES: tuple[FigureLine, ...] = (
    FigureLine(
        "asks", "Asks made", "count", lambda f: f.asks, "Public and private asks.", headline=True
    ),
    FigureLine(
        "public_asks", "  public", "count", lambda f: f.public_asks, "Shared in the channel."
    ),
    FigureLine(
        "private_asks", "  private", "count", lambda f: f.private_asks, "Counted; never shown."
    ),
    FigureLine(
        "suggestion_share",
        "Asks that got a suggestion",
        "share",
        lambda f: f.suggestion_share,
        "givefirst suggested at least one helper (at once or later), or someone volunteered.",
        headline=True,
    ),
    FigureLine(
        "introduced_share",
        "Asks that led to an introduction",
        "share",
        lambda f: f.introduced_share,
        "Both the asker and a helper said yes to being introduced.",
        headline=True,
    ),
    FigureLine(
        "helped_share",
        'Asks where "it helped"',
        "share",
        lambda f: f.helped_share,
        'The asker answered the follow-up with "it helped".',
        headline=True,
    ),
    FigureLine(
        "median_hours_to_introduction",
        "Time to first introduction, median",
        "hours",
        lambda f: f.median_hours,
        "From the ask to the first introduction both accepted.",
        headline=True,
        higher_is_better=False,
    ),
    FigureLine(
        "p90_hours_to_introduction",
        "  90th percentile",
        "hours",
        lambda f: f.p90_hours,
        "Nine in ten introduced asks were introduced at least this fast.",
        higher_is_better=False,
    ),
    FigureLine(
        "requests_accepted",
        "Introduction requests accepted",
        "count",
        lambda f: f.requests_accepted,
        "Counted in the week they were answered.",
    ),
    FigureLine("requests_declined", "  declined", "count", lambda f: f.requests_declined, ""),
    FigureLine(
        "requests_expired",
        "  expired",
        "count",
        lambda f: f.requests_expired,
        "Nobody answered in time.",
        higher_is_better=False,
    ),
    FigureLine(
        "follow_ups_answered",
        "Follow-ups answered",
        "count",
        lambda f: f.follow_ups_answered,
        '"Did it help?" answered, whatever the answer.',
    ),
    FigureLine(
        "nobody_yet_share",
        '"Nobody yet" rate',
        "share",
        lambda f: f.nobody_yet_share,
        "Asks givefirst had no confident suggestion for when they were made (at most a"
        " lead); many find a helper later.",
        headline=True,
        higher_is_better=False,
    ),
    FigureLine("givers", "Givers", "count", lambda f: f.givers, "Members who offered, or helped."),
    FigureLine("askers", "Askers", "count", lambda f: f.askers, "Members who asked."),
    FigureLine(
        "givers_per_asker",
        "Givers per asker",
        "ratio",
        lambda f: f.givers_per_asker,
        f"The seeds' ideal is about {IDEAL_GIVERS_PER_ASKER:g} deposits for each withdrawal.",
        headline=True,
    ),
    FigureLine(
        "new_tie_share",
        "Introductions that were new ties",
        "share",
        lambda f: f.new_tie_share,
        "The two had never been introduced before (weak ties widen a network).",
        headline=True,
    ),
    FigureLine("new_ties", "  new", "count", lambda f: f.new_ties, ""),
    FigureLine("repeat_ties", "  repeat", "count", lambda f: f.repeat_ties, ""),
    FigureLine(
        "max_helper_load",
        "Most introductions a helper had in a week",
        "count",
        lambda f: f.max_load if f.helper_weeks else None,
        "Requests waiting or accepted, per helper per week; no helper is named.",
        higher_is_better=False,
    ),
    FigureLine(
        "at_capacity_share",
        "Helpers at capacity",
        "share",
        lambda f: f.at_capacity_share,
        "Of helpers with introductions in a week, those who reached the weekly capacity.",
        higher_is_better=False,
    ),
    FigureLine("thanks", "Thanks given", "count", lambda f: f.thanks, ""),
    FigureLine(
        "newcomers",
        "Newcomers",
        "count",
        lambda f: f.newcomers,
        "Members who used givefirst for the first time.",
    ),
    FigureLine(
        "active_members",
        "Active members",
        "count",
        lambda f: f.active_members,
        "Offered, asked, thanked, or answered an introduction.",
        headline=True,
    ),
    FigureLine(
        "round_groups",
        "Round pairs and trios",
        "count",
        lambda f: f.round_groups,
        "Introduced by give-first rounds.",
    ),
    FigureLine(
        "round_met_share",
        "  said they met",
        "share",
        lambda f: f.round_met_share,
        "Of the pairs and trios rounds introduced, those who said they met.",
    ),
)
HEADLINES = tuple(line for line in FIGURES if line.headline)


def shown(kind: Kind, value: Value) -> str:
    """A figure's value as people read it: ``83%``, ``1.5 d``, ``6 h``, ``30 min``, ``2.3``,
    ``—``."""
    if value is None:
        return "—"
    match kind:
        case "share":
            return f"{value:.0%}"
        case "hours":
            if 0 < round(value * 60) < 60:  # "0 h" would say no time at all
                return f"{round(value * 60)} min"
            return f"{value / 24:.1f} d" if value >= 48 else f"{value:.0f} h"
        case "ratio":
            return f"{value:.1f}"
    return f"{value:,}"


def load_line(figures: Figures) -> str:
    """The load distribution as text: ``1 intro: 5 helper-weeks · 2 intros: 3 …``."""
    spread = figures.load_distribution
    if not spread:
        return "no introductions"
    return " · ".join(
        f"{n} intro{'s' if n != 1 else ''}: {count} helper-week{'s' if count != 1 else ''}"
        for n, count in spread.items()
    )


def trend(line: FigureLine, health: CommunityHealth) -> str:
    """Up, down or level over the latest weeks against the weeks before."""
    now, before = line.value(health.recent), line.value(health.earlier)
    if now is None or before is None or now == before:
        return "→"
    return "↑" if now > before else "↓"


def trend_is_good(line: FigureLine, health: CommunityHealth) -> bool | None:
    arrow = trend(line, health)
    if arrow == "→":
        return None
    return (arrow == "↑") == line.higher_is_better


def values(figures: Figures) -> dict[str, Value]:
    return {line.key: _rounded(line.value(figures)) for line in FIGURES}


def as_json(health: CommunityHealth) -> dict[str, object]:
    """Everything ``givefirst stats --json`` prints for one community."""

    def period(figures: Figures) -> dict[str, object]:
        return {
            **values(figures),
            "load_distribution": {str(n): c for n, c in figures.load_distribution.items()},
        }

    return {
        "community": health.community_key,
        "computed_at": health.computed_at.isoformat(),
        "timezone": health.timezone,
        "capacity": health.capacity,
        "members": health.members,
        "round_members": health.round_members,
        "all_time": period(health.all_time),
        "weeks_together": period(health.window),
        "weeks": [
            {"week": week.start.isoformat(), "partial": week.partial, **period(week.figures)}
            for week in health.weeks
        ],
        "gaps": [_gap(g) for g in health.gaps],
        "gaps_all_time": [_gap(g) for g in health.gaps_all_time],
    }


def as_csv(healths: list[CommunityHealth]) -> str:
    """One row per community and week, then its weeks together and all time."""
    out = io.StringIO()
    columns = ["community", "period", "week", *[line.key for line in FIGURES], "load"]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for health in healths:
        periods = [
            ("week so far" if w.partial else "week", w.start.isoformat(), w.figures)
            for w in health.weeks
        ]
        periods += [
            (plural(len(health.weeks), "week"), health.weeks[0].start.isoformat(), health.window),
            ("all time", "", health.all_time),
        ]
        for name, week, figures in periods:
            row: dict[str, object] = {"community": health.community_key, "period": name}
            row["week"] = week
            row.update(values(figures))
            row["load"] = " ".join(f"{n}:{c}" for n, c in figures.load_distribution.items())
            writer.writerow(row)
    return out.getvalue()


def _gap(gap: Gap) -> dict[str, object]:
    return {"skill": gap.skill, "label": gap.label, "asks": gap.asks}


def _rounded(value: Value) -> Value:
    return round(value, 4) if isinstance(value, float) else value


def dashboard_link(user_id: str, url: str) -> Message:
    return message(
        Ephemeral(user_id),
        Paragraph(
            text("📊 ", Link(url, "Open your community's dashboard"), " — how giving is going.")
        ),
        Small(
            text(
                "The link is for you alone: it works once, for 10 minutes, and keeps you "
                "signed in for 12 hours."
            )
        ),
    )
