"""Skill tags (interim: hashtags and plain words; the full vocabulary replaces this)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

_HASHTAG = re.compile(r"#([\w-]+)")
_WORD = re.compile(r"[a-z][a-z0-9+#.-]+")
_KNOWN = {
    "resume": ("resume", "resumes", "cv", "cvs"),
    "kubernetes": ("kubernetes", "k8s", "pods"),
    "python": ("python",),
    "product management": ("product", "pm"),
    "interviews": ("interview", "interviews"),
    "fundraising": ("fundraising", "investors", "vc"),
    "design": ("design", "figma", "ux"),
    "salary negotiation": ("salary", "negotiation", "offer-letter"),
}


class Vocabulary:
    def __init__(self, aliases: Mapping[str, str]) -> None:
        self._aliases = dict(aliases)

    @classmethod
    @cache
    def default(cls) -> Vocabulary:
        return cls({alias: skill for skill, names in _KNOWN.items() for alias in names})

    def with_aliases(self, aliases: Mapping[str, str]) -> Vocabulary:
        return Vocabulary({**self._aliases, **{k.lower(): v for k, v in aliases.items()}})

    def normalise(self, term: str) -> str:
        cleaned = " ".join(term.lower().strip().lstrip("#").split())
        return self._aliases.get(cleaned, cleaned)

    def extract(self, text: str) -> tuple[str, ...]:
        found = [self.normalise(t) for t in _HASHTAG.findall(text)]
        found += [self._aliases[w] for w in _WORD.findall(text.lower()) if w in self._aliases]
        return tuple(dict.fromkeys(found))

    def describe(self, skill: str) -> str:
        return skill
