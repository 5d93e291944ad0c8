"""Messages as JSON, so scheduled messages can wait in the outbox between processes.

Every object carries its type name under ``"t"``; decoding accepts only the
types of :mod:`bot.messages`, so a stored payload can never build anything else.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot.domain import Subject, SubjectKind
from bot.messages import (
    Attachment,
    Button,
    Buttons,
    ButtonStyle,
    ChannelLink,
    ChannelPost,
    Code,
    DeletePosts,
    DirectMessage,
    Divider,
    Ephemeral,
    Heading,
    Link,
    Mention,
    Message,
    Paragraph,
    Plain,
    Quote,
    Small,
    Strong,
    UpdatePosts,
)

_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        Plain,
        Strong,
        Code,
        Mention,
        ChannelLink,
        Link,
        Button,
        Heading,
        Paragraph,
        Quote,
        Small,
        Buttons,
        Divider,
        Attachment,
        Ephemeral,
        DirectMessage,
        ChannelPost,
        UpdatePosts,
        DeletePosts,
        Subject,
        Message,
    )
}


class MessageFormatError(ValueError):
    """A stored payload is not a message this version understands."""


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"t": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = _encode(getattr(value, f.name))
        return out
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, ButtonStyle | SubjectKind):
        return value.value
    if value is None or isinstance(value, str | int):
        return value
    raise MessageFormatError(f"cannot store {type(value).__name__} in a message")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    name = value.get("t")
    cls = _TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise MessageFormatError(f"unknown message part {name!r}")
    fields = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: _decode(v) for k, v in value.items() if k != "t"}
    if not kwargs.keys() <= fields:
        raise MessageFormatError(f"unexpected fields for {name}: {kwargs.keys() - fields}")
    if cls is Button and "style" in kwargs:
        kwargs["style"] = ButtonStyle(kwargs["style"])
    if cls is Subject:
        kwargs["kind"] = SubjectKind(kwargs["kind"])
    return cls(**kwargs)


def to_json(msg: Message) -> str:
    """The message as a compact JSON document."""
    return json.dumps(_encode(msg), ensure_ascii=False, separators=(",", ":"))


def from_json(payload: str) -> Message:
    """The message stored by :func:`to_json`; raises :class:`MessageFormatError` otherwise."""
    try:
        decoded = _decode(json.loads(payload))
    except (TypeError, KeyError, ValueError) as error:
        raise MessageFormatError(str(error)) from error
    if not isinstance(decoded, Message):
        raise MessageFormatError("the payload is not a message")
    return decoded
