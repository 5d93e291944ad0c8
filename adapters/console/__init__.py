"""The console adapter: the same core and storage, a terminal instead of a platform.

Members are plain handles (``dana``); mentions are typed ``@dana`` and channels
``#offers``. Every outgoing message is printed with where it would go, buttons
get numbers to press, and channel posts get numbers to react to.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

from bot.app import GiveFirst, Handled
from bot.commands import Actor
from bot.domain import Community
from bot.messages import (
    Attachment,
    Button,
    Buttons,
    ChannelLink,
    ChannelPost,
    Code,
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
    Text,
)
from bot.ports import PostRef, SendOnce
from bot.text import clean

DEFAULT_CHANNEL = "community"
WAIT_AT_MOST_DAYS = 366
"""How far one ``/wait`` goes: a year is every weekly digest and expiry there is to see."""
_MENTION = re.compile(r"(?<![\w<])@([A-Za-z0-9_.-]+)")
_CHANNEL = re.compile(r"(?<![\w<])#([A-Za-z0-9_.-]+)")
_NEUTRAL = re.compile(r"<([@#])([^<>\s]+)>")
"""A mention or channel in members' words as the core keeps them (``<@ana>``)."""


def render_text(spans: Text) -> str:
    out: list[str] = []
    for span in spans:
        match span:
            case Plain(s):
                out.append(_NEUTRAL.sub(r"\1\2", s))
            case Strong(s):
                out.append(s.upper() if s.isascii() else s)
            case Code(s):
                out.append(f"`{s}`")
            case Mention(uid):
                out.append(f"@{uid}")
            case ChannelLink(cid):
                out.append(f"#{cid}")
            case Link(url, label):
                out.append(f"{label}: {url}" if label else url)
    return "".join(out)


def to_neutral(command: str, line: str, handles: Mapping[str, str] | None = None) -> str:
    """Console mentions (``@dana``) into the neutral ``<@dana>`` (with the member's
    handle as ``handles`` has it, if it does), and ``#offers`` into ``<#offers>`` where a
    channel is expected (elsewhere ``#word`` is a skill tag)."""
    known = handles or {}
    line = _MENTION.sub(
        lambda m: (
            m.group(0)
            if m.group(1).lower() in ("everyone", "here", "channel")
            else f"<@{known.get(m.group(1), m.group(1))}>"
        ),
        line,
    )
    if command == "/givefirst" and line.split()[:2] == ["config", "channel"]:
        return _CHANNEL.sub(lambda m: f"<#{m.group(1)}>", line)
    return line


@dataclass
class ConsoleChat:
    """Prints messages; remembers numbered buttons and posts for the shell."""

    out: TextIO
    buttons: dict[int, Button] = field(default_factory=dict)
    shown_to: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Who may press a numbered button: those its message went to (absent: everyone,
    for a channel post's)."""
    posts: dict[int, PostRef] = field(default_factory=dict)
    next_post: int = 1
    """The number the next channel post gets (on from the community's last one)."""

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        ref = None
        audience: tuple[str, ...] = ()
        match message.to:
            case ChannelPost(channel):
                ref = PostRef(channel or default_channel or DEFAULT_CHANNEL, str(self.next_post))
                self.posts[self.next_post] = ref
                self.next_post += 1
                label = f"#{ref.channel_id} · post {ref.message_id}"
            case Ephemeral(user):
                label, audience = f"only @{user} sees", (user,)
            case DirectMessage(users):
                label, audience = "DM to " + " + ".join(f"@{u}" for u in users), tuple(users)
            case _:
                label = "?"
        self._print(label, message, audience=audience)
        return ref

    def preview(self, message: Message, *, channel: str | None) -> None:
        """Show a channel post as it would look, without posting it (its buttons are
        not numbered: there is nothing to press)."""
        self._print(f"#{channel or DEFAULT_CHANNEL} · preview, not posted", message, press=False)

    async def update(self, ref: PostRef, message: Message) -> None:
        self._print(f"#{ref.channel_id} · post {ref.message_id} updated", message)

    async def delete(self, ref: PostRef) -> None:
        self.out.write(f"── #{ref.channel_id} · post {ref.message_id} deleted\n")

    def _print(
        self, label: str, message: Message, *, press: bool = True, audience: tuple[str, ...] = ()
    ) -> None:
        self.out.write(f"── {label}\n")
        for block in message.blocks:
            match block:
                case Heading(t):
                    self.out.write(f"  ━ {render_text(t)}\n")
                case Paragraph(t):
                    self.out.write(f"  {render_text(t)}\n")
                case Quote(t):
                    for line in render_text(t).splitlines() or [""]:
                        self.out.write(f"  │ {line}\n")
                case Small(t):
                    self.out.write(f"  ({render_text(t)})\n")
                case Buttons(buttons):
                    shown = (
                        self._number(b, audience) if press else f"[{b.label}]" for b in buttons
                    )
                    self.out.write("  " + "  ".join(shown) + "\n")
                case Divider():
                    self.out.write("  ────\n")
                case Attachment(filename, content):
                    self.out.write(f"  📎 {filename}\n")
                    for line in content.splitlines():
                        self.out.write(f"  ┆ {line}\n")
        self.out.flush()

    def _number(self, button: Button, audience: tuple[str, ...]) -> str:
        number = len(self.buttons) + 1
        self.buttons[number] = button
        if audience:
            self.shown_to[number] = audience
        return f"[{number}: {button.label}]"


class ConsoleSession:
    """Type commands as different members, press buttons and react — like a tiny chat."""

    def __init__(
        self,
        bot: GiveFirst,
        community_key: str,
        out: TextIO,
        advance: Callable[[timedelta], object] | None = None,
        admins: tuple[str, ...] = (),
        user: str = "guest",
        echo: bool = True,
    ) -> None:
        """``echo``: print each line as typed, before what follows from it (not when a
        person types at a terminal, which shows it already)."""
        self.bot = bot
        self.community_key = community_key
        self.chat = ConsoleChat(out)
        self.out = out
        self.user = user
        self._advance = advance
        self._admins = admins
        self._echo = echo

    async def open(self) -> None:
        """Carry on where an earlier session in the same database left off: channel
        posts are numbered on from the community's last one."""
        latest = await self.bot.latest_post(self.community_key)
        if latest is not None and latest.message_id.isdecimal():
            self.chat.next_post = max(self.chat.next_post, int(latest.message_id) + 1)

    def actor(self, user: str | None = None) -> Actor:
        handle = user or self.user
        return Actor(
            community_key=self.community_key,
            user_id=handle,
            display_name="",  # a terminal knows no names: an imported member keeps theirs
            fallback_name=handle,
            is_platform_admin=handle in self._admins,
            channel_id=DEFAULT_CHANNEL,
            community_name="console",
        )

    async def run(self, line: str, *, as_: str | None = None) -> Handled | None:
        """Run one line of input; ``as_`` acts as that member without switching."""
        line = line.strip()
        if not line or line.startswith("//"):
            return None
        if as_ is not None:
            self.user = as_
        if self._echo:  # what was piped in, without the control characters it may hold
            self.out.write(f"\n@{self.user}> {clean(line)}\n")
        if line.isdecimal():
            return await self.press(line)
        if not line.startswith("/"):
            self.out.write(PLAIN_TEXT_HINT)
            return None
        word, _, rest = line.partition(" ")
        match word.lower():
            case "/as":
                name = clean(rest).lstrip("@")
                if not name or " " in name:
                    self.out.write(AS_USAGE)
                    return None
                self.user = await self._handle(name)
                admin = " (an admin here)" if self.user in self._admins else ""
                self.out.write(f"(you are now @{self.user}{admin})\n")
                return None
            case "/press":
                if not rest.strip().isdecimal():
                    self.out.write(PRESS_USAGE)
                    return None
                return await self.press(rest.strip())
            case "/react":
                return await self._react(rest)
            case "/wait":
                await self.wait(rest.strip())
                return None
            case "/help" | "/?":
                self.out.write(self.help())
                return None
        await self.open()  # another shell on this community may have posted meanwhile
        handles = {name: await self._handle(name) for name in _MENTION.findall(rest)}
        return await self.bot.slash_command(
            self.actor(), word, to_neutral(word.lower(), rest, handles), self.chat
        )

    async def _handle(self, typed: str) -> str:
        """The handle of the member someone typed: a member's as stored, whatever its
        case (an imported Slack ID is ``U…``), else in lower case, so that ``Ana`` and
        ``ana`` are one new member."""
        return await self.bot.member_id_like(self.community_key, typed) or typed.lower()

    def help(self) -> str:
        admins = ", ".join(f"@{a}" for a in self._admins) or "nobody"
        return SHELL_HELP.format(user=self.user, admins=admins)

    async def press(self, typed: str) -> Handled | None:
        """Press the button numbered ``typed`` (decimal digits)."""
        number = _numbered(typed)
        button = self.chat.buttons.get(number)
        if button is None:
            self.out.write(f"(there is no button {typed})\n")
            return None
        audience = self.chat.shown_to.get(number, ())
        if audience and self.user not in audience:
            shown = " + ".join(f"@{user}" for user in audience)
            self.out.write(
                f"(button {number} is in a message only {shown} sees: /as {audience[0]} to "
                "press it)\n"
            )
            return None
        self.out.write(f"(@{self.user} presses “{button.label}”)\n")
        await self.open()
        return await self.bot.button(self.actor(), button.action, button.value, self.chat)

    async def press_labelled(self, label: str) -> Handled | None:
        """Press the most recent button whose label starts with ``label``."""
        for number in sorted(self.chat.buttons, reverse=True):
            if self.chat.buttons[number].label.startswith(label):
                return await self.press(str(number))
        self.out.write(f"(no button labelled “{label}”)\n")
        return None

    async def _react(self, rest: str) -> Handled | None:
        try:
            post_number, emoji = shlex.split(rest)
        except ValueError:
            self.out.write(REACT_USAGE)
            return None
        if not post_number.isdecimal():
            self.out.write(REACT_USAGE)
            return None
        ref = self.chat.posts.get(_numbered(post_number)) or await self._earlier_post(post_number)
        await self.open()
        handled = await self.bot.reaction(
            self.actor(), ref.channel_id, ref.message_id, emoji, self.chat
        )
        if not handled.messages:
            self.out.write(
                f"(nothing happens: givefirst acts on 🙋, ✅ and 🙏 on its own posts, "
                f"and post {post_number} is not one it knows for that)\n"
            )
        return handled

    async def _earlier_post(self, number: str) -> PostRef:
        """A post from an earlier session: in the community's channel."""
        community = await self.bot.community(self.community_key)
        return PostRef((community.channel_id if community else None) or DEFAULT_CHANNEL, number)

    async def wait(self, duration: str) -> None:
        """Let time pass (``7d``, ``12h``) and run whatever became due."""
        match = re.fullmatch(r"(\d{1,6})\s*([dh])", duration)
        days = (int(match.group(1)) / (1 if match.group(2) == "d" else 24)) if match else 0
        if match is None or self._advance is None or days > WAIT_AT_MOST_DAYS:
            self.out.write(f"(usage: /wait 7d or /wait 12h; {WAIT_AT_MOST_DAYS}d at most)\n")
            return
        others = [k for k in await self.bot.community_keys() if not k.startswith("console:")]
        if others:
            self.out.write(
                f"(/wait is off here: time would pass for every community in this database, "
                f"and it holds {others[0]}{' and others' if len(others) > 1 else ''}, whose "
                "offers and asks would expire unseen. Try the shell on a database of its own: "
                "givefirst --database-url sqlite:///try.db shell)\n"
            )
            return
        amount = int(match.group(1))
        self._advance(timedelta(days=amount) if match.group(2) == "d" else timedelta(hours=amount))
        self.out.write(f"\n(… {duration} later …)\n")
        # Only this community's: another console community's messages wait for its shell.
        await self.bot.run_due_work(self._chat_for, community=self.community_key)

    def _chat_for(self, community: Community) -> ConsoleChat:
        return self.chat


REACT_USAGE = "(usage: /react POST_NUMBER 🙋|✅|🙏, e.g. /react 2 🙋)\n"
AS_USAGE = "(usage: /as NAME, one word, e.g. /as ana — act as that member from now on)\n"
PRESS_USAGE = "(usage: /press NUMBER, or the number alone — the one in [brackets])\n"
PLAIN_TEXT_HINT = (
    "(givefirst reads commands, not chat: share what you can help with using "
    "/offer …, ask for help with /ask … — /help lists everything)\n"
)
SHELL_HELP = """\
  You are @{user}. Admins here: {admins} (/as NAME to act as someone else).
  /as NAME                 act as another member (e.g. /as dana)
  /offer … /ask … /skills … /thanks @name … /givefirst …   the bot's commands
  N  or  /press N          press button number N
  /react POST 🙋|✅|🙏      react to channel post number POST
  /wait 7d                 let time pass and run due follow-ups and expiries
  /quit  or  Ctrl-D        leave (everything is kept in the database)
"""


def _numbered(typed: str) -> int:
    """A button's or post's number as typed (decimal digits), or 0, which none has, if
    it is too long to be one (``int`` refuses thousands of digits)."""
    return int(typed) if len(typed) <= 9 else 0
