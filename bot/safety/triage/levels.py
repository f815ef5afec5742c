"""Triage levels, most serious first, as symptom checkers (Buoy, Infermedica) grade them."""

from __future__ import annotations

import enum


class Level(str, enum.Enum):
    """How soon the person needs help, and from whom."""

    EMERGENCY = "emergency"  # 112 / 144 / 911 now
    POISON = "poison"  # Tox Info Suisse 145, and 112
    CRISIS = "crisis"  # 143, 147 for young people; 117 and victim support for violence
    URGENT = "urgent"  # your doctor or the on-call service today
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """Higher is more serious; the most serious finding in a message wins."""
        return len(Level) - list(Level).index(self)
