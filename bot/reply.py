"""A message the assistant sends from code: text plus quick-reply buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

ADVISOR = {"title": "Talk to an advisor", "payload": "/request_human"}
TOPICS = {"title": "Show topics", "payload": "/help"}


@dataclass(frozen=True)
class Reply:
    """A text with optional quick-reply buttons."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
