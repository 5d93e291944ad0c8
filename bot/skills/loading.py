"""Reading a vocabulary document (the shape of the shipped ``vocabulary.yaml``) into
skills, checking it as it goes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_SKILL_NAME = re.compile(r"^[a-z0-9][a-z0-9+#-]*$")


@dataclass(frozen=True, slots=True)
class Skill:
    """A canonical skill with the words members use for it."""

    name: str
    label: str
    area: str
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class VocabularyDocument:
    skills: list[Skill]
    everyday: tuple[str, ...]
    """Aliases that are everyday words too (see ``vocabulary.yaml``)."""


def read_document(document: Any) -> VocabularyDocument:
    """The skills of a parsed vocabulary document, and its everyday words; raises
    ``ValueError`` saying what is wrong with it."""
    if not isinstance(document, dict) or not isinstance(document.get("areas"), dict):
        raise ValueError("a vocabulary needs an 'areas' mapping of area -> skills")
    skills: list[Skill] = []
    for area, entries in document["areas"].items():
        if not isinstance(entries, dict):
            raise ValueError(f"area {area!r} must map skill names to their details")
        for name, details in entries.items():
            skills.append(_skill_from_entry(str(area), str(name), details or {}))
    everyday = document.get("everyday") or ()
    if not isinstance(everyday, list) or not all(isinstance(word, str) for word in everyday):
        raise ValueError("'everyday' must be a list of words")
    return VocabularyDocument(skills, tuple(everyday))


def _skill_from_entry(area: str, name: str, details: Any) -> Skill:
    if not _SKILL_NAME.match(name):
        raise ValueError(f"skill name {name!r} must be lowercase words joined by hyphens")
    if not isinstance(details, dict) or set(details) - {"label", "aka", "see"}:
        raise ValueError(f"skill {name!r} may only have 'label', 'aka' and 'see'")
    return Skill(
        name=name,
        label=str(details.get("label") or name.replace("-", " ")),
        area=area,
        aliases=tuple(str(alias) for alias in details.get("aka", ())),
        related=tuple(str(term) for term in details.get("see", ())),
    )
