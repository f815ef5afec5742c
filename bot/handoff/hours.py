"""When the clinic's advisors are there, and what a patient hears when handed to them.

Pure: ``BUSINESS_HOURS`` / ``BUSINESS_TIMEZONE`` parsed into ``BusinessHours``; the
texts are the ``utter_handoff_queued*`` responses (data/responses/handoff.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Utterance

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPEC = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class BusinessHours:
    """Opening days (0 = Monday) and hours in a time zone."""

    days: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo

    def is_open(self, now: datetime) -> bool:
        """True when ``now`` (aware) is within the hours."""
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, now: datetime) -> datetime:
        """The next moment the advisors are there (``now`` itself when open)."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            opening = datetime.combine(day, self.start, tzinfo=self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        raise ValueError("business hours have no opening day")


def parse_business_hours(spec: str, zone: str) -> BusinessHours:
    """``"Mon-Fri 09:00-17:00"`` (or ``"Sat 10:00-12:00"``) in ``zone``."""
    match = _SPEC.match(spec.lower())
    if not match or match["first"] not in DAYS or (match["last"] and match["last"] not in DAYS):
        raise ValueError(f'BUSINESS_HOURS must look like "Mon-Fri 09:00-17:00", got {spec!r}')
    first = DAYS.index(match["first"])
    last = DAYS.index(match["last"]) if match["last"] else first
    days = (
        frozenset(range(first, last + 1))
        if first <= last
        else frozenset([*range(first, 7), *range(0, last + 1)])
    )
    try:
        start, end = (time.fromisoformat(match[k].zfill(5)) for k in ("start", "end"))
    except ValueError:
        raise ValueError(f"BUSINESS_HOURS has an impossible time: {spec!r}") from None
    if start >= end:
        raise ValueError(f"BUSINESS_HOURS must open before it closes, got {spec!r}")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"BUSINESS_TIMEZONE is not a known time zone: {zone!r}") from None
    return BusinessHours(days, start, end, tz)


CHANNEL_WORDS = {"email": "email", "phone": "phone", "whatsapp": "WhatsApp"}


def what_happens_next(
    hours: BusinessHours, spec: str, channel: str, now: datetime | None = None
) -> Utterance:
    """What the patient is told once the handoff is queued."""
    now = now or datetime.now(timezone.utc)
    by = CHANNEL_WORDS.get(channel, channel)
    if hours.is_open(now):
        return Utterance("utter_handoff_queued", {"channel": by})
    opening = hours.next_opening(now)
    return Utterance(
        "utter_handoff_queued_after_hours",
        {"hours": spec, "zone": hours.zone.key, "channel": by, "opening": f"{opening:%A %H:%M}"},
    )
