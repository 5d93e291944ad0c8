"""Slack's encoded text into the core's neutral form."""

from __future__ import annotations

import re

_SLACK_TOKEN = re.compile(r"<([@#!])?([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}
_SCHEME = re.compile(r"^(?:mailto:|https?://)", re.IGNORECASE)


def to_core_text(text: str) -> str:
    """Slack's encoded command text into the core's neutral form.

    Users become ``<@U123>``, channels ``<#C123>``; ``<!channel>``-style
    broadcasts become plain words; links become ``label (url)``; entities are
    unescaped. Anything else stays as typed.
    """

    def convert(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return f"<@{target}>"
        if sigil == "#":
            return f"<#{target}>"
        if sigil == "!":
            name = target.split("^")[0]
            if name == "date":  # ``<!date^1392734382^{date}|Feb 18>``: its words
                return label or ""
            # A user group (``<!subteam^S1|@designers>``) by the name members see.
            return _SPECIAL.get(name, "@" + (label or name).removeprefix("@"))
        if label and label not in (target, _SCHEME.sub("", target).rstrip("/")):
            return f"{label} ({target})"
        # An address Slack linked as typed (``ana@example.com``, ``example.com``).
        return label or target

    converted = _SLACK_TOKEN.sub(convert, text)
    return converted.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
