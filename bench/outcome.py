"""What one ``make bench`` measured, as plain data for the targets and the report."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.long_conversation import LongRun
from bench.profile import ProfileSummary
from bench.stats import LevelStats

MB = 1024 * 1024


@dataclass
class BotRun:
    """One bot's figures (ours, the stock starter, or our scaled stack)."""

    name: str  # "ours", "starter", "scaled-1", "scaled-2", "scaled-url"
    title: str  # how the report names it
    levels: list[LevelStats] = field(default_factory=list)
    error_kinds: dict[int, dict[str, int]] = field(default_factory=dict)  # by users
    off_script: dict[int, dict[str, int]] = field(default_factory=dict)  # by users, message
    memory_mb: dict[str, float] = field(default_factory=dict)  # peak RSS by process, "all"
    train_s: float | None = None
    train_note: str = ""  # why training time is missing, or how it was measured
    model_mb: float | None = None
    model_note: str = ""
    script_turns: int = 0  # turns in one scripted conversation
    note: str = ""  # why figures are missing (a failed start ...)

    def level(self, users: int) -> LevelStats | None:
        """The figures at ``users`` concurrent users, if measured."""
        return next((lv for lv in self.levels if lv.users == users), None)


@dataclass
class BenchRun:
    """The whole run."""

    started: str  # ISO time
    machine: str  # CPUs, memory, load when the run started
    command: str  # how it was run
    load_tool: str
    ours: BotRun | None = None
    starter: BotRun | None = None
    # The scaled stack: one instance, then two (or one running stack at --scaled-url).
    scaled: list[BotRun] = field(default_factory=list)
    long_runs: list[LongRun] = field(default_factory=list)
    profiles: list[ProfileSummary] = field(default_factory=list)
    profile_users: int = 0
    profile_seconds: int = 0
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0
