"""A lively community to look at: twelve weeks of members offering, asking, saying yes
and no, thanking and answering follow-ups, all through the bot's own commands and
buttons. The same seed always tells the same story."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.messages import DirectMessage, Message
from tests.core.conftest import Town

FIRST_MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WEEKS = 12
HELPERS = (
    ("ana", "Happy to review resumes for career changers #resume"),
    ("ben", "I can pair on kubernetes and docker deployments #kubernetes"),
    ("chloe", "Salary negotiation coaching, one call #salary-negotiation"),
    ("dev", "Python code reviews, any level #python"),
    ("femi", "Public speaking practice and feedback #public-speaking"),
    ("gus", "Personal budgeting help #budgeting"),
    ("hana", "UX portfolio feedback #ux-design"),
    ("ivan", "SQL and data modelling questions #sql"),
)
ASKERS = ("dana", "erin", "kai", "lea", "milo", "nora", "omar", "pia")
ASKS = (
    "could someone look over my CV? #resume",
    "help deploying to kubernetes #kubernetes",
    "preparing for a salary negotiation #salary-negotiation",
    "would someone review my python script? #python",
    "nervous about my first conference talk #public-speaking",
    "help with a tricky SQL query #sql",
    "feedback on my UX portfolio please #ux-design",
    "tips for budgeting on a small salary #budgeting",
    "where do I get bee hives? #beekeeping",
    "advice on learning the cello as an adult #cello",
)
PRIVATE_WORDS = "a private worry about my manager, codeword zanzibar"


def _newest(town: Town, who: str, label: str, since: int) -> bool:
    """Whether ``who`` was shown a button starting with ``label`` since message ``since``."""
    return any(
        button.label.startswith(label)
        for sent in town.chat.sent[since:]
        if sent.message in town.seen_by(who)
        for button in sent.message.buttons
    )


def _follow_ups(town: Town, since: int) -> list[tuple[str, Message]]:
    out = []
    for sent in town.chat.sent[since:]:
        to = sent.message.to
        if "Did you connect with" in sent.message.as_plain_text() and isinstance(to, DirectMessage):
            out.append((to.user_ids[0], sent.message))
    return out


async def grow(town: Town, *, seed: int = 18) -> None:
    """Twelve weeks of a community finding its feet; ends mid-week in the twelfth."""
    rng = random.Random(seed)
    town.clock.set(FIRST_MONDAY)
    await town.say("admin", "/givefirst config channel <#general>")
    # A community skill whose name is markup: pages must show it as typed.
    await town.say("admin", "/givefirst config alias theremin=<script>alert(1)</script>")
    joined = 0
    for week in range(WEEKS):
        monday = FIRST_MONDAY + timedelta(weeks=week)
        while joined < min(len(HELPERS), 2 + week):
            name, offer = HELPERS[joined]
            town.clock.set(max(town.clock.now(), monday + timedelta(hours=joined % 3)))
            await town.say(name, f"/offer {offer}")
            joined += 1
        days = 2 if week == WEEKS - 1 else 5
        asks = 2 + week // 2
        for n in range(asks):
            moment = monday + timedelta(days=days * n / asks, hours=1 + rng.randrange(8))
            town.clock.set(max(town.clock.now(), moment))
            await _ask_and_answer(town, rng, rng.choice(ASKERS))
        if week == 3:
            await town.say("zed", "/ask zed wants a harpsichord tuner #harpsichord")
            await town.forget("zed")
        if week == 6:
            await town.say("omar", "/ask anyone into the theremin?")
        if week < WEEKS - 1:
            town.clock.set(monday + timedelta(weeks=1, hours=1))
            since = len(town.chat.sent)
            await town.run_due_work()
            helpers = {name for name, _ in HELPERS}
            for sent in town.chat.sent[since:]:
                to = sent.message.to
                keep = [b for b in sent.message.buttons if b.label == "Keep it open"]
                if keep and isinstance(to, DirectMessage) and to.user_ids[0] in helpers:
                    await town.press_button(to.user_ids[0], keep[0])
            for asker, follow_up in _follow_ups(town, since):
                roll = rng.random()
                label = "It helped" if roll < 0.65 else ("Not yet" if roll < 0.8 else None)
                if label is not None:
                    button = next(b for b in follow_up.buttons if b.label.startswith(label))
                    await town.press_button(asker, button)


async def _ask_and_answer(town: Town, rng: random.Random, asker: str) -> None:
    text = rng.choice(ASKS[:8] if rng.random() < 0.85 else ASKS[8:])
    private = rng.random() < 0.2
    since = len(town.chat.sent)
    await town.say(asker, f"/ask {'private: ' + PRIVATE_WORDS + ' — ' if private else ''}{text}")
    if not _newest(town, asker, "Ask ", since) or rng.random() < 0.1:
        return
    handled = await town.press(asker, "Ask ")
    if handled.error is not None or not isinstance(handled.messages[0].to, DirectMessage):
        return
    helper = handled.messages[0].to.user_ids[0]
    town.clock.advance(timedelta(hours=1 + rng.randrange(30)))
    roll = rng.random()
    if roll < 0.72:
        await town.press(helper, "Happy to help")
        if rng.random() < 0.4:
            await town.say(asker, f"/thanks @{helper} thank you so much")
    elif roll < 0.9:
        await town.press(helper, "Not this time")
