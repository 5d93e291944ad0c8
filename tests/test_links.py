"""A link of givefirst's own (a sign-in link) reaches every platform as a link, labelled,
and survives a wait in the outbox; its label is shown literally."""

from __future__ import annotations

from adapters.console import render_text
from adapters.discord.render import markdown
from adapters.slack.render import blocks, mrkdwn
from bot.message_json import from_json, to_json
from bot.messages import Ephemeral, Link, Paragraph, message, text

URL = "https://givefirst.example.org/admin/slack:T1/sign-in/abc_def.ghi-jkl"
LINK = Link(URL, "Open *the* dashboard")


def test_each_platform_shows_it_as_a_link() -> None:
    said = text("📊 ", LINK)
    [[section]] = [b["elements"] for b in blocks(message(Ephemeral("U1"), Paragraph(said)))[0]]
    assert {"type": "link", "url": URL, "text": "Open *the* dashboard"} in section["elements"]
    assert mrkdwn(said) == f"📊 <{URL}|Open *the* dashboard>"
    # Discord: the label's markdown escaped, the address kept whole (no preview either).
    assert markdown(said) == f"📊 [Open \\*the\\* dashboard](<{URL}>)"
    assert render_text(said) == f"📊 Open *the* dashboard: {URL}"


def test_it_survives_the_outbox_and_notifications_show_its_label_alone() -> None:
    said = message(Ephemeral("U1"), Paragraph(text("📊 ", LINK)))
    assert from_json(to_json(said)) == said
    assert said.summary == "📊 Open *the* dashboard"
