"""The dashboard's pages as HTML. Every value that did not come from this module is
escaped, whoever typed it: a skill a member tagged, a community's key."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from adapters.web import charts
from adapters.web.charts import Series
from bot.health import IDEAL_GIVERS_PER_ASKER, TREND_WEEKS, CommunityHealth, Gap
from bot.render.health import FIGURES, HEADLINES, shown, trend, trend_is_good

STYLESHEET = "/admin/static/dashboard.css"
HELPED, INTRODUCED, SUGGESTED, NOTHING = "#2f6f4f", "#6aa883", "#b9dcc6", "#e0a458"
GIVERS, ASKERS, MEDIAN, P90 = "#2f6f4f", "#e0a458", "#2f6f4f", "#8c6bb1"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="{STYLESHEET}">'
        f"</head><body>{body}</body></html>"
    )


def refused(reason: str) -> str:
    """Why someone cannot see a dashboard, and how to get in."""
    return _page(
        "givefirst — not signed in",
        '<main class="notice"><h1>You can\'t see this dashboard</h1>'
        f'<p class="reason">{escape(reason)}</p>'
        "<p>Community admins sign in from the community itself: type "
        "<code>/givefirst dashboard</code> there for a new link. It works once, for 10 "
        "minutes, and keeps you signed in for 12 hours.</p></main>",
    )


def signed_out() -> str:
    return _page(
        "givefirst — signed out",
        '<main class="notice"><h1>You are signed out</h1>'
        "<p>This browser no longer holds your session. To look again, type "
        "<code>/givefirst dashboard</code> in the community for a new link.</p></main>",
    )


def welcome() -> str:
    return _page(
        "givefirst — dashboard",
        '<main class="notice"><h1>givefirst\'s dashboard</h1><p>How giving is going in '
        "your community, for its admins. Sign in from the community itself: type "
        "<code>/givefirst dashboard</code> there, and open the link you get.</p></main>",
    )


def sign_in(community_key: str, action: str) -> str:
    """A button rather than signing in on sight, so link previews cannot use up the
    one-time link before its admin opens it."""
    return _page(
        "givefirst — sign in",
        f'<main class="notice"><h1>Sign in to {escape(community_key)}</h1>'
        "<p>This link works once and keeps you signed in to this community's dashboard "
        "for 12 hours.</p>"
        f'<form method="post" action="{escape(action)}">'
        '<button type="submit" id="sign-in">Open the dashboard</button></form></main>',
    )


def dashboard(health: CommunityHealth, *, csv_url: str) -> str:
    weeks = len(health.weeks)
    body = (
        "<header><h1>How giving is going</h1>"
        f'<p class="meta"><span id="community">{escape(health.community_key)}</span> · '
        f"the last {_n_weeks(weeks)} (weeks start on Monday, {escape(health.timezone)}) · "
        f"as of {health.computed_at:%Y-%m-%d %H:%M} UTC</p>"
        f'<div class="actions"><a class="button" id="csv" href="{escape(csv_url)}" download>'
        "Download CSV</a>"
        '<form method="post" action="sign-out" class="sign-out">'
        '<button type="submit" id="sign-out">Sign out</button></form></div>'
        "</header><main>"
        + _headlines(health)
        + '<section class="charts"><h2>Week by week</h2>'
        + _charts(health)
        + "</section>"
        + _gaps(health)
        + _table(health)
        + _meanings()
        + "</main><footer><p>No figure names or ranks a member. Private asks are counted, "
        "never shown. Shares of asks count each ask in the week it was made, with what "
        "became of it so far, so the latest weeks are still filling in.</p></footer>"
    )
    return _page(f"givefirst — {health.community_key}", body)


def _headlines(health: CommunityHealth) -> str:
    cards = []
    ideal = f'<p class="trend">ideal: about {IDEAL_GIVERS_PER_ASKER:g}</p>'
    for line in HEADLINES:
        good = trend_is_good(line, health)
        mood = "level" if good is None else ("good" if good else "bad")
        recent, earlier = line.value(health.recent), line.value(health.earlier)
        cards.append(
            f'<div class="card" data-figure="{line.key}"><p class="label">{escape(line.label)}</p>'
            f'<p class="value">{escape(shown(line.kind, line.value(health.window)))}</p>'
            f'<p class="trend {mood}"><span aria-hidden="true">{trend(line, health)}</span> '
            f"{escape(shown(line.kind, recent))} in the last {TREND_WEEKS} weeks, "
            f"{escape(shown(line.kind, earlier))} in the {TREND_WEEKS} before</p>"
            f"{ideal if line.key == 'givers_per_asker' else ''}</div>"
        )
    return f'<section class="headlines" aria-label="Headline figures">{"".join(cards)}</section>'


def _charts(health: CommunityHealth) -> str:
    labels = [f"{w.start.day} {w.start:%b}" for w in health.weeks]
    figures = [w.figures for w in health.weeks]

    def count(v: float) -> str:
        return f"{v:g}"

    def hours(v: float) -> str:
        return shown("hours", v)  # 0 h, 30 min, 1 h

    ends = [
        Series('"it helped"', HELPED, [f.asks_helped for f in figures]),
        Series("introduced", INTRODUCED, [f.asks_introduced - f.asks_helped for f in figures]),
        Series(
            "suggestion only",
            SUGGESTED,
            [f.asks_with_suggestion - f.asks_introduced for f in figures],
        ),
        Series("nothing yet", NOTHING, [f.asks - f.asks_with_suggestion for f in figures]),
    ]
    times = [
        Series("median", MEDIAN, [f.median_hours for f in figures]),
        Series("90th percentile", P90, [f.p90_hours for f in figures]),
    ]
    people = [
        Series("givers", GIVERS, [f.givers for f in figures]),
        Series("askers", ASKERS, [f.askers for f in figures]),
    ]
    ties = [
        Series("new ties", HELPED, [f.new_ties for f in figures]),
        Series("repeat pairs", NOTHING, [f.repeat_ties for f in figures]),
    ]
    spread = health.window.load_distribution
    load = [Series("helper-weeks", GIVERS, list(spread.values()))]
    ratio = health.window.givers_per_asker
    return "".join(
        (
            charts.figure(
                "chart-asks",
                "Asks and how they ended",
                charts.stacked_bars("Asks by week and how far they got", labels, ends, show=count),
                ends,
                "Each ask counted once, by how far it got.",
            ),
            charts.figure(
                "chart-time",
                "Time to first introduction",
                charts.lines("Time from ask to first introduction", labels, times, show=hours),
                times,
            ),
            charts.figure(
                "chart-givers",
                "Givers and askers",
                charts.grouped_bars("Givers and askers by week", labels, people, show=count),
                people,
                f"Givers per asker over {_n_weeks(len(labels))}: {shown('ratio', ratio)} "
                f"(ideal about {IDEAL_GIVERS_PER_ASKER:g}).",
            ),
            charts.figure(
                "chart-ties",
                "New connections and repeat pairs",
                charts.stacked_bars(
                    "Introductions by week, new or repeat", labels, ties, show=count
                ),
                ties,
            ),
            charts.figure(
                "chart-load",
                "Helper load",
                charts.grouped_bars(
                    "Helper-weeks by introductions held",
                    [f"{n} intro{'s' if n != 1 else ''}" for n in spread],
                    load,
                    show=count,
                ),
                load,
                f"How many introductions helpers held in a week, over {_n_weeks(len(labels))} "
                f"(capacity: {health.capacity}). A distribution: no helper is named.",
            ),
        )
    )


def _gaps(health: CommunityHealth) -> str:
    def listed(gaps: Sequence[Gap], asks: int) -> str:
        if not asks:
            return "<p>No asks yet.</p>"
        if not gaps:
            return "<p>None: every public ask naming a skill had someone to suggest.</p>"
        items = "".join(
            f'<li><span class="skill">{escape(g.label)}</span> — {g.asks} '
            f"ask{'s' if g.asks != 1 else ''}</li>"
            for g in gaps
        )
        return f"<ol>{items}</ol>"

    return (
        '<section class="gaps" id="gaps"><h2>Gaps: skills asked for with nobody to help</h2>'
        "<p>What members asked for in public when givefirst had nobody to suggest: worth "
        "recruiting for. (Private asks are counted in the table below, never what they "
        'were about.)</p><div class="columns">'
        f"<div><h3>Last {_n_weeks(len(health.weeks))}</h3>"
        f"{listed(health.gaps, health.window.asks)}</div>"
        f"<div><h3>All time</h3>{listed(health.gaps_all_time, health.all_time.asks)}</div>"
        "</div></section>"
    )


def _table(health: CommunityHealth) -> str:
    head = "".join(
        f'<th scope="col">{w.start.day} {w.start:%b}{" (so far)" if w.partial else ""}</th>'
        for w in reversed(health.weeks)
    )
    rows = []
    for line in FIGURES:
        cells = "".join(
            f"<td>{escape(shown(line.kind, line.value(f)))}</td>"
            for f in (health.all_time, health.window, *[w.figures for w in reversed(health.weeks)])
        )
        rows.append(
            f'<tr data-figure="{line.key}"><th scope="row">{escape(line.label)}</th>{cells}</tr>'
        )
    loads = "".join(
        f"<td>{escape(' · '.join(f'{n}: {c}' for n, c in f.load_distribution.items()))}</td>"
        for f in (health.all_time, health.window, *[w.figures for w in reversed(health.weeks)])
    )
    label = '<th scope="row">Helper-weeks by introductions held</th>'
    rows.append(f'<tr data-figure="load">{label}{loads}</tr>')
    return (
        '<section class="table"><h2>Every figure</h2><div class="scroll"><table id="figures">'
        f'<thead><tr><th scope="col">Figure</th><th scope="col">All time</th>'
        f'<th scope="col">{_n_weeks(len(health.weeks))}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _meanings() -> str:
    items = "".join(
        f"<dt>{escape(line.label.strip())}</dt><dd>{escape(line.meaning)}</dd>"
        for line in FIGURES
        if line.meaning
    )
    return f'<section class="meanings"><h2>What the figures mean</h2><dl>{items}</dl></section>'


def _n_weeks(count: int) -> str:
    return "1 week" if count == 1 else f"{count} weeks"
