"""A short scripted story of a small community, played through the real core."""

from __future__ import annotations

DEMO_COMMUNITY = "console:demo"
DEMO_ADMINS = ("ana",)

# Each line is typed by the member before the colon; "/wait" lets days pass.
STORY: tuple[tuple[str, str], ...] = (
    ("ana", "/givefirst config channel #community"),
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
    ("dana", "/wait 7d"),
    ("dana", "press:It helped 🎉"),
    ("dana", "press:Say thanks 🙏"),
    ("dana", "/givefirst me"),
)
