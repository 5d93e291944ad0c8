"""A short scripted story of a small community, played through the real core."""

from __future__ import annotations

from datetime import datetime

DEMO_COMMUNITY = "console:demo"
DEMO_ADMINS = ("ana",)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def setting_up(start: datetime) -> tuple[tuple[str, str], ...]:
    """How the admin set the community up before the story (played, not shown). The
    story starts at ``start`` and lasts three days: its weekly digest is set for a day
    it does not reach, so the digest is shown once, at the end, as a preview."""
    digest_day = WEEKDAYS[(start.weekday() + 5) % 7]
    return (
        ("ana", "/givefirst config channel #community"),
        ("ana", f"/givefirst config digest {digest_day} 09:00"),
        ("ana", "/givefirst config follow-up 3"),
    )


STORY: tuple[tuple[str, str], ...] = (
    ("ana", "/givefirst config"),
    ("ana", "/skills add resumes, product management"),
    ("ana", "/offer Happy to review resumes for people moving into product #resume"),
    ("ben", "/offer I can help debug Kubernetes deployments and flaky pods #kubernetes"),
    ("chen", "/offer Glad to run mock interviews for data science roles #interviews"),
    ("eve", "/offer I've raised two seed rounds — happy to look at pitch decks #fundraising"),
    ("farid", "/ask Any tips for preparing a pitch deck? First time fundraising #fundraising"),
    ("dana", "/skills add fundraising"),
    ("dana", "/ask Could someone look over my CV? I'm moving from support into product."),
    ("dana", "press:Ask ana"),
    ("ana", "press:Happy to help"),
    ("dana", "/wait 3d"),
    ("dana", "press:It helped 🎉"),
    ("dana", "press:Say thanks 🙏"),
    ("dana", "/givefirst me"),
)
"""Each line is typed by the member before the comma; "/wait" lets days pass and
"press:" presses the latest button with that label."""
