"""Discord's markup in what members type, into the core's neutral form.

User mentions arrive as ``<@id>`` or ``<@!id>`` (both become ``<@id>``), channels as
``<#id>`` (kept), role mentions as ``<@&id>`` (they become ``@role``: a plain word,
never a ping), custom emoji as ``<:name:id>`` or ``<a:name:id>`` (they become
``:name:``), and timestamps as ``<t:1700000000:R>`` (kept as typed).
"""

from __future__ import annotations

import re

_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&\d+>")
_CUSTOM_EMOJI = re.compile(r"<a?:(\w+):\d+>")


def to_core_text(text: str) -> str:
    """What a member typed in a Discord option, with mentions in the neutral form."""
    text = _USER.sub(r"<@\1>", text)
    text = _ROLE.sub("@role", text)
    return _CUSTOM_EMOJI.sub(r":\1:", text)
