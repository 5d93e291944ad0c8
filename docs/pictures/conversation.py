"""Draw docs/conversation.png: the heart of ``givefirst demo`` as its members see it.

Runs the real demo in a temporary folder, takes dana's ask through to her thank-you from
what it prints, lays that out as a chat page and photographs the page with headless
Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by Selenium):

    python docs/pictures/conversation.py
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from givefirst.testing.browser import CHROMEDRIVER, CHROMIUM, chromium_installed, headless_chromium

ROOT = Path(__file__).resolve().parents[2]
PICTURE = ROOT / "docs" / "conversation.png"
WIDTH = 900
SCALE = 2
CAPTION = "givefirst demo — what members see"


@dataclass(frozen=True)
class Typed:
    member: str
    text: str


@dataclass(frozen=True)
class Sent:
    to: str
    """Where the demo says the message went: ``#community · post 6``, ``only @dana sees``,
    ``DM to @ana``, ``DM to @dana + @ana``."""
    lines: tuple[str, ...]

    @property
    def buttons(self) -> list[str]:
        return [label for line in self.lines for label in button_labels(line)]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Pressed:
    member: str
    label: str


@dataclass(frozen=True)
class Later:
    span: str


Event = Typed | Sent | Pressed | Later

_TYPED = re.compile(r"^@([\w.-]+)> (.*)$")
_SENT = re.compile(r"^── (.+)$")
_PRESSED = re.compile(r"^\(@([\w.-]+) presses “(.+)”\)$")
_LATER = re.compile(r"^\(… (.+) later …\)$")
_BUTTONS = re.compile(r"^(?:\[(?:\d+: )?[^\]]+\]\s*)+$")
_BUTTON = re.compile(r"\[(?:\d+: )?([^\]]+)\]")


def button_labels(line: str) -> list[str]:
    return [label.strip() for label in _BUTTON.findall(line)] if _BUTTONS.match(line) else []


def parse(output: str) -> list[Event]:
    """The demo's plain text as events; lines that are none of these (its introduction,
    notes about what it shows) are left out."""
    events: list[Event] = []
    to: str | None = None
    body: list[str] = []

    def close() -> None:
        nonlocal to
        if to is not None:
            events.append(Sent(to, tuple(body)))
            to = None
            body.clear()

    for line in output.splitlines():
        if to is not None and line.startswith("  "):
            body.append(line[2:])
            continue
        close()
        if m := _SENT.match(line):
            to = m.group(1)
        elif m := _TYPED.match(line):
            events.append(Typed(m.group(1), m.group(2)))
        elif m := _PRESSED.match(line):
            events.append(Pressed(m.group(1), m.group(2)))
        elif m := _LATER.match(line):
            events.append(Later(m.group(1)))
    close()
    return events


@dataclass(frozen=True)
class Step:
    name: str
    found: Callable[[Event], bool]


def _typed(member: str, command: str, says: str) -> Callable[[Event], bool]:
    return lambda e: (
        isinstance(e, Typed)
        and e.member == member
        and e.text.startswith(command)
        and says in e.text
    )


def _sent(to: str, *, button: str = "", says: str = "") -> Callable[[Event], bool]:
    return lambda e: (
        isinstance(e, Sent)
        and e.to.startswith(to)
        and (not button or any(label.startswith(button) for label in e.buttons))
        and says in e.text
    )


def _pressed(member: str, button: str) -> Callable[[Event], bool]:
    return lambda e: isinstance(e, Pressed) and e.member == member and e.label.startswith(button)


# What the picture shows, in order. The demo tells more (the ask's post in #community, a
# nudge to pay it forward, ...): left out to keep the picture short.
STORY = (
    Step("dana's /ask about her CV", _typed("dana", "/ask ", says="CV")),
    Step("the suggestions only dana sees", _sent("only @dana sees", button="Ask ana")),
    Step("dana pressing “Ask ana”", _pressed("dana", "Ask ana")),
    Step("the DM asking ana", _sent("DM to @ana", button="Happy to help")),
    Step("the word to dana that ana was asked", _sent("only @dana sees", says="asked @ana")),
    Step("ana pressing “Happy to help”", _pressed("ana", "Happy to help")),
    Step("the introduction DM to dana and ana", _sent("DM to @dana + @ana", says="meet")),
)
ENDING = (
    Step("the days passing", lambda e: isinstance(e, Later)),
    Step("the follow-up asking dana “Did it help?”", _sent("DM to @dana", says="Did it help")),
    Step("dana pressing “It helped”", _pressed("dana", "It helped")),
    Step("the offer to thank ana", _sent("only @dana sees", button="Say thanks")),
    Step("dana pressing “Say thanks”", _pressed("dana", "Say thanks")),
    Step("dana's thank-you in #community", _sent("#community", says="thanked @ana")),
)


def story(events: Sequence[Event]) -> list[Event]:
    """The events of STORY, and of ENDING when the demo tells all of it."""
    shown = _steps(events, STORY, after=-1)
    if isinstance(shown, Step):
        sys.exit(
            f"conversation.py: the demo's output is missing a step of the story: {shown.name}. "
            "Has the demo's story changed?"
        )
    ending = _steps(events, ENDING, after=shown[-1])
    if isinstance(ending, Step):
        print(f"The picture ends at the introduction: the demo's output is missing {ending.name}.")
        ending = []
    return [events[i] for i in shown + ending]


def _steps(events: Sequence[Event], steps: Sequence[Step], *, after: int) -> list[int] | Step:
    """Where each step is, each after the one before, or the first step missing."""
    found: list[int] = []
    for step in steps:
        start = found[-1] + 1 if found else after + 1
        at = next((i for i in range(start, len(events)) if step.found(events[i])), None)
        if at is None:
            return step
        found.append(at)
    return found


def run_demo(folder: Path) -> str:
    """The demo's output, played from this checkout into a database in ``folder``."""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{folder / 'demo.db'}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "givefirst", "demo"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"conversation.py: `givefirst demo` failed:\n{done.stderr or done.stdout}")
    return done.stdout


def words(event: Event) -> str:
    match event:
        case Typed(_, text):
            return text
        case Sent(_, lines):
            return "\n".join(lines)
        case Pressed(_, label):
            return label
    return ""


def undrawable(text: str) -> set[str]:
    """Characters no installed font draws as they are meant to be (emoji need a colour
    emoji font): left out rather than drawn as empty boxes or odd outlines."""
    if not shutil.which("fc-list"):
        return set()
    missing = set()
    checked = set()
    for i, char in enumerate(text):
        if ord(char) < 0x2190 or char in checked:
            continue
        checked.add(char)
        if char in "\ufe0f\u200d":
            missing.add(char)
            continue
        emoji = (
            ord(char) >= 0x1F000 or 0x2600 <= ord(char) < 0x27C0 or text[i + 1 : i + 2] == "\ufe0f"
        )
        pattern = f":charset={ord(char):x}" + (":color=true" if emoji else "")
        fonts = subprocess.run(
            ["fc-list", pattern, "family"], capture_output=True, text=True, check=False
        ).stdout
        if not fonts.strip():
            missing.add(char)
    return missing


def legible(event: Event, missing: set[str]) -> Event:
    """``event`` without the characters in ``missing``, and the spaces they leave."""

    def clean(text: str) -> str:
        text = text.translate({ord(c): None for c in missing})
        text = re.sub(r"(?<=\S) {2,}(?=\S)", " ", text)
        return re.sub(r"\( +", "(", re.sub(r" +\)", ")", text)).rstrip()

    match event:
        case Typed(member, text):
            return Typed(member, clean(text))
        case Sent(to, lines):
            return Sent(
                to, tuple(re.sub(r"^([━│•]) +", r"\1 ", clean(line).lstrip()) for line in lines)
            )
        case Pressed(member, label):
            return Pressed(member, clean(label).strip())
    return event


# ── the page ─────────────────────────────────────────────────────────────────────────

_INLINE = re.compile(r"(`[^`]+`)|(?<![\w<])(@[\w-]+(?:\.[\w-]+)*)|(?<![\w&])(#[\w-]+)")
_COLOURS = ("#2f6b4f", "#7a4fa0", "#b0632b", "#2b6cb0", "#a03f5a", "#4f7a2b")


def inline(text: str) -> str:
    """``text`` escaped, with `code`, @mentions and #tags marked up."""
    out: list[str] = []
    last = 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        code, mention, tag = m.groups()
        if code:
            out.append(f"<code>{html.escape(code[1:-1])}</code>")
        elif mention:
            out.append(f'<span class="mention">{html.escape(mention)}</span>')
        else:
            out.append(f'<span class="tag">{html.escape(tag)}</span>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def avatar(name: str) -> str:
    colour = _COLOURS[sum(map(ord, name)) % len(_COLOURS)]
    return f'<div class="avatar" style="background:{colour}">{html.escape(name[:1].upper())}</div>'


def audience(to: str) -> tuple[str, str]:
    """The CSS class and the words for where a message went."""
    if m := re.fullmatch(r"only @([\w.-]+) sees", to):
        return "only", f"only @{m.group(1)} sees this"
    if to.startswith("DM to "):
        members = [m.strip() for m in to.removeprefix("DM to ").split("+")]
        return "dm", "direct message to " + " and ".join(members)
    if m := re.fullmatch(r"(#[\w-]+) · post \d+( updated)?", to):
        return "channel", m.group(1) + (" · edited" if m.group(2) else "")
    return "channel", to


def body(lines: Sequence[str], pressed: set[str]) -> Iterator[str]:
    bullets: list[str] = []
    for line in [*lines, ""]:
        if line.startswith("• "):
            bullets.append(f"<li>{inline(line[2:])}</li>")
            continue
        if bullets:
            yield f"<ul>{''.join(bullets)}</ul>"
            bullets.clear()
        if not line:
            continue
        if labels := button_labels(line):
            yield (
                '<div class="buttons">'
                + "".join(
                    f'<span class="button{" pressed" if label in pressed else ""}">'
                    f"{html.escape(label)}</span>"
                    for label in labels
                )
                + "</div>"
            )
        elif line.startswith("━ "):
            yield f"<h3>{inline(line[2:])}</h3>"
        elif line.startswith("│ "):
            yield f"<blockquote>{inline(line[2:])}</blockquote>"
        elif line == "────":
            yield "<hr>"
        elif line.startswith("(") and line.endswith(")"):
            yield f'<p class="small">{inline(line[1:-1])}</p>'
        else:
            yield f"<p>{inline(line)}</p>"


def later(span: str) -> str:
    if m := re.fullmatch(r"(\d+)\s*([mhdw])", span):
        count = int(m.group(1))
        unit = {"m": "minute", "h": "hour", "d": "day", "w": "week"}[m.group(2)]
        return f"{count} {unit}{'s' if count != 1 else ''} later"
    return f"{span} later"


def page(events: Sequence[Event]) -> str:
    pressed_in: dict[int, set[str]] = {}
    for i, e in enumerate(events):
        if isinstance(e, Pressed):
            for j in range(i - 1, -1, -1):
                earlier = events[j]
                if isinstance(earlier, Sent) and e.label in earlier.buttons:
                    pressed_in.setdefault(j, set()).add(e.label)
                    break

    rows: list[str] = []
    for i, e in enumerate(events):
        match e:
            case Typed(member, text):
                command, _, rest = text.partition(" ")
                rows.append(
                    f'<div class="row typed">{avatar(member)}<div class="content">'
                    f'<div class="who"><b>{html.escape(member)}</b></div>'
                    f'<div class="command"><span class="slash">{html.escape(command)}</span> '
                    f"{inline(rest)}</div></div></div>"
                )
            case Sent(to, lines):
                kind, where = audience(to)
                rows.append(
                    f'<div class="row sent {kind}"><div class="avatar bot">gf</div>'
                    f'<div class="content"><div class="who"><b>givefirst</b>'
                    f'<span class="where">{html.escape(where)}</span></div>'
                    f'<div class="message">{"".join(body(lines, pressed_in.get(i, set())))}'
                    "</div></div></div>"
                )
            case Pressed(member, label):
                rows.append(
                    f'<div class="row pressed-row"><div class="content">'
                    f"<b>{html.escape(member)}</b> pressed "
                    f'<span class="button pressed small-button">{html.escape(label)}</span>'
                    "</div></div>"
                )
            case Later(span):
                rows.append(f'<div class="later"><span>{html.escape(later(span))}</span></div>')
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(CAPTION)}</title><style>{STYLE}</style></head><body>"
        f'<main><p class="caption">{html.escape(CAPTION)}</p>'
        f'<div class="chat">{"".join(rows)}</div></main></body></html>'
    )


STYLE = """
* { box-sizing: border-box; }
html { background: #f6f7f6; }
body { margin: 0; font: 15px/1.45 "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans",
  sans-serif; color: #1f2a24; }
main { width: 900px; padding: 18px 22px 22px; }
.caption { margin: 0 0 12px; font-size: 14px; color: #5b6b62; letter-spacing: .01em; }
.chat { column-count: 2; column-gap: 24px; column-rule: 1px solid #e3e8e5;
  background: #fff; border: 1px solid #dde3df; border-radius: 12px; padding: 14px 14px 4px; }
.row { display: flex; gap: 10px; margin: 0 0 12px; break-inside: avoid; }
.avatar { flex: none; width: 32px; height: 32px; border-radius: 50%; color: #fff;
  font-weight: 700; font-size: 15px; display: flex; align-items: center;
  justify-content: center; }
.avatar.bot { border-radius: 8px; background: #1f2a24; font-size: 13px; letter-spacing: .02em; }
.content { min-width: 0; flex: 1; }
.who { font-size: 14px; margin-bottom: 2px; display: flex; align-items: baseline; gap: 8px;
  flex-wrap: wrap; }
.where { font-size: 12px; font-weight: 600; padding: 0 7px; border-radius: 10px;
  line-height: 19px; }
.channel .where { background: #e4f0e9; color: #2f6b4f; }
.dm .where { background: #e5edf8; color: #2b5a96; }
.only .where { background: #eeefef; color: #59625d; }
.message { border-left: 3px solid transparent; padding-left: 9px; margin-left: -12px; }
.channel .message { border-color: #8fc0a5; }
.dm .message { border-color: #9ab8e0; }
.only .message { border-left: 3px dashed #c3c8c5; }
.command { display: inline-block; background: #f1f3f2; border: 1px solid #e1e5e3;
  border-radius: 8px; padding: 5px 9px; }
.slash { font-weight: 700; color: #2f6b4f; font-family: "DejaVu Sans Mono", monospace;
  font-size: 13.5px; }
p { margin: 0 0 4px; }
p.small { color: #6b7770; font-size: 12.5px; line-height: 1.4; }
h3 { margin: 0 0 4px; font-size: 15.5px; }
blockquote { margin: 2px 0 6px; padding: 3px 10px; border-left: 3px solid #cfd6d2;
  color: #34403a; background: #fafbfa; }
ul { margin: 0 0 4px; padding-left: 18px; }
hr { border: 0; border-top: 1px solid #e3e8e5; margin: 6px 0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; background: #f1f3f2;
  padding: 0 3px; border-radius: 4px; }
.mention { color: #2b5a96; background: #eaf1fb; border-radius: 4px; padding: 0 2px;
  font-weight: 600; }
.tag { color: #2f6b4f; }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 4px; }
.button { display: inline-block; border: 1px solid #c5cec9; border-radius: 6px;
  padding: 3px 11px; font-size: 13.5px; font-weight: 600; color: #1f2a24; background: #fff; }
.button.pressed { background: #2f6b4f; border-color: #2f6b4f; color: #fff; }
.pressed-row { padding-left: 42px; color: #59625d; font-size: 13.5px; }
.small-button { font-size: 12.5px; padding: 1px 9px; margin-left: 2px; }
.later { break-inside: avoid; display: flex; align-items: center; gap: 10px; margin: 4px 0 14px;
  color: #6b7770; font-size: 12.5px; font-weight: 600; }
.later::before, .later::after { content: ""; flex: 1; border-top: 1px solid #dde3df; }
"""


# ── the photograph ───────────────────────────────────────────────────────────────────


def photograph(html_file: Path, picture: Path, profile: Path) -> None:
    if not chromium_installed():
        sys.exit(
            f"conversation.py needs {CHROMIUM} and {CHROMEDRIVER}: "
            "apt-get install chromium chromium-driver"
        )
    driver = headless_chromium(str(profile), "--hide-scrollbars")
    try:
        metrics = {"width": WIDTH, "height": 600, "deviceScaleFactor": SCALE, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.get(html_file.as_uri())
        driver.execute_async_script("document.fonts.ready.then(arguments[0])")
        height = driver.execute_script(
            "return Math.ceil(document.querySelector('main').getBoundingClientRect().height)"
        )
        metrics["height"] = int(height)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.quit()
    picture.write_bytes(with_palette(base64.b64decode(shot["data"])))


# ── a smaller file ───────────────────────────────────────────────────────────────────


def with_palette(png: bytes) -> bytes:
    """``png`` (8-bit RGB, as Chromium writes it) with its 256 commonest colours, each
    other one drawn as the nearest of them: the rest are the edges of letters, and the
    file is a third of the size without a visible difference."""
    width, height, rows = _rgb_rows(png)
    counts = Counter(row[x : x + 3] for row in rows for x in range(0, len(row), 3))
    palette = [colour for colour, _ in counts.most_common(256)]
    index = {colour: i for i, colour in enumerate(palette)}
    for colour in counts.keys() - index.keys():
        index[colour] = min(
            range(len(palette)),
            key=lambda i: sum((a - b) ** 2 for a, b in zip(colour, palette[i], strict=True)),
        )
    pixels = b"".join(
        b"\0" + bytes(index[row[x : x + 3]] for x in range(0, len(row), 3)) for row in rows
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", b"".join(palette)),
            _chunk(b"IDAT", zlib.compress(pixels, 9)),
            _chunk(b"IEND", b""),
        )
    )


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _rgb_rows(png: bytes) -> tuple[int, int, list[bytes]]:
    """The rows of pixels of an 8-bit RGB, non-interlaced PNG, three bytes a pixel."""
    chunks: dict[bytes, bytes] = {}
    at = len(PNG_SIGNATURE)
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        chunks[kind] = chunks.get(kind, b"") + png[at + 8 : at + 8 + length]
        at += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    if (depth, colour_type, interlace) != (8, 2, 0):
        sys.exit("conversation.py: Chromium's screenshot is not the 8-bit RGB PNG expected")
    data = zlib.decompress(chunks[b"IDAT"])
    stride = width * 3
    rows: list[bytes] = []
    above = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = data[start], bytearray(data[start + 1 : start + 1 + stride])
        _unfilter(kind, row, above)
        rows.append(bytes(row))
        above = row
    return width, height, rows


def _unfilter(kind: int, row: bytearray, above: bytearray) -> None:
    """Undo one row's PNG filter in place (the filter types of the PNG specification)."""
    if kind == 1:
        for i in range(3, len(row)):
            row[i] = (row[i] + row[i - 3]) & 0xFF
    elif kind == 2:
        row[:] = bytes((a + b) & 0xFF for a, b in zip(row, above, strict=True))
    elif kind == 3:
        for i in range(len(row)):
            left = row[i - 3] if i >= 3 else 0
            row[i] = (row[i] + (left + above[i]) // 2) & 0xFF
    elif kind == 4:
        for i in range(len(row)):
            a, b, c = (row[i - 3], above[i], above[i - 3]) if i >= 3 else (0, above[i], 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            nearest = a if pa <= pb and pa <= pc else b if pb <= pc else c
            row[i] = (row[i] + nearest) & 0xFF


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="givefirst-picture-") as tmp:
        folder = Path(tmp)
        events = story(parse(run_demo(folder)))
        if missing := undrawable("".join(map(words, events))):
            events = [legible(e, missing) for e in events]
            shown = " ".join(sorted(c for c in missing if c not in "\ufe0f\u200d"))
            print(
                f"No installed font draws {shown}: left out "
                "(a colour emoji font such as fonts-noto-color-emoji keeps them)."
            )
        html_page = page(events)
        html_file = folder / "conversation.html"
        html_file.write_text(html_page, encoding="utf-8")
        profile = folder / "chromium"
        profile.mkdir()
        photograph(html_file, PICTURE, profile)
    png = PICTURE.read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    print(f"Wrote {PICTURE} ({width}×{height} px, {len(png) // 1024} KB).")


if __name__ == "__main__":
    main()
