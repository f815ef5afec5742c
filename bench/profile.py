"""Where a turn's time goes: py-spy samples of the servers while users load them.

``py-spy record --pid <pid> --format raw --nonblocking`` (a sampling profiler from
outside the process: nothing in the servers changes, and ``--nonblocking`` does not
pause them to sample). The raw output (collapsed stacks, one "frame;frame;... count" a
line) is summarised into shares of the process's busy samples:

- stages of a turn (NLU, dialogue prediction, tracker store reads and writes, actions
  ...), each sample counted once, in the first stage whose function is on its stack;
- each function's self share (on top of the stack) and inclusive share (anywhere on it);
- each package's self share.

py-spy leaves out threads it sees sleeping, but not an event loop waiting inside C
(uvloop's run loop under Sanic's ``serve``): samples whose top frame is such a wait
are counted as idle and left out, so the shares are of CPU time. Waiting for the action
server, the database or the network is not in them.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.processes.stack import VENV_BIN

# "function (path/file.py:123)": the line number is dropped, so that a function's
# samples from different lines count together.
_LINE = re.compile(r":\d+\)$")

# Top frames that are a thread or an event loop waiting, not working.
IDLE_TOP_FRAMES = frozenset(
    {
        "serve (sanic/server/runners.py)",  # uvloop's run loop, in C
        "select (selectors.py)",  # asyncio's own loop
        "wait (threading.py)",  # a worker thread waiting for work
    }
)

# The stages of a turn in the Rasa server and the action server: (stage, frames), a
# frame matching when it contains the text. Deeper stages come first: a sample counts
# in the first stage it matches.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "tracker store: write (Rasa's save, our summaries and erasure checks)",
        ("save_tracker (rasa/core/processor.py)", "save (rasa/core/tracker_store.py)"),
    ),
    (
        "tracker store: read",
        (
            "get_or_create_tracker (rasa/core/tracker_store.py)",
            "retrieve (rasa/core/tracker_store.py)",
            "retrieve_full_tracker (rasa/core/tracker_store.py)",
        ),
    ),
    ("NLU: parse the message", ("parse_message (rasa/core/processor.py)",)),
    ("dialogue: predict the next action", ("_predict_next_with_tracker (rasa/core/processor.py)",)),
    ("actions: call the action server, apply events", ("_run_action (rasa/core/processor.py)",)),
    ("rest of Rasa's turn (session, lock, events)", ("handle_message (rasa/core/processor.py)",)),
    ("our channel checks (red flags, limits, action-server health)", ("(bot/channels/",)),
    ("our action code (actions/, bot/)", ("(actions/", "(bot/")),
    ("Rasa SDK (tracker from JSON, dispatch)", ("(rasa_sdk/",)),
)
OTHER_STAGE = "HTTP, JSON and the event loop"


@dataclass(frozen=True)
class ProfileRow:
    """One function's share of the busy samples (0-1)."""

    function: str
    inclusive: float
    self_share: float


@dataclass(frozen=True)
class ProfileSummary:
    """One process's profile, in shares of its busy (not idle) samples."""

    process: str
    samples: int  # busy samples
    idle_samples: int = 0
    # The stages of a turn (see STAGES), largest first.
    stages: list[tuple[str, float]] = field(default_factory=list)
    # By inclusive share, without the trunk (see TRUNK_MARGIN).
    rows: list[ProfileRow] = field(default_factory=list)
    # By self share: where the CPU actually is.
    hot: list[ProfileRow] = field(default_factory=list)
    # Self share by top-level package of the file (tensorflow, sqlalchemy, rasa, bot ...).
    packages: list[tuple[str, float]] = field(default_factory=list)
    raw_path: str = ""
    note: str = ""


# A function within this share of the most common one is on the trunk every request
# shares (module, main, the HTTP handler): not a finding.
TRUNK_MARGIN = 0.01


def _function(frame: str) -> str:
    return _LINE.sub(")", frame.strip())


def _package(function: str) -> str:
    # "iterencode (json/encoder.py)" -> "json"; "<module> (<string>)" -> "<string>"
    _, _, location = function.rpartition(" (")
    path = location.rstrip(")")
    return path.split("/", 1)[0] if "/" in path else path.removesuffix(".py")


def _stage(frames: list[str]) -> str:
    for name, patterns in STAGES:
        if any(pattern in frame for frame in frames for pattern in patterns):
            return name
    return OTHER_STAGE


def _samples(raw: str) -> list[tuple[list[str], int]]:
    found = []
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [_function(f) for f in stack.split(";") if f.strip()]
        if frames:
            found.append((frames, int(count_text)))
    return found


def summarise(process: str, raw: str, top: int = 15, raw_path: str = "") -> ProfileSummary:
    """Stages, top functions (inclusive and self) and packages of py-spy's raw output."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    samples = idle = 0
    for frames, count in _samples(raw):
        if frames[-1] in IDLE_TOP_FRAMES:
            idle += count
            continue
        samples += count
        for function in set(frames):
            inclusive[function] += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        stages[_stage(frames)] += count
    if not samples:
        return ProfileSummary(process, 0, idle, raw_path=raw_path, note="no busy samples")
    by_inclusive = sorted(inclusive.items(), key=lambda item: (-item[1], item[0]))
    trunk = by_inclusive[0][1] / samples - TRUNK_MARGIN
    rows = [
        ProfileRow(function, n / samples, own[function] / samples)
        for function, n in by_inclusive
        if n / samples < trunk
    ][:top]
    hot = [
        ProfileRow(function, inclusive[function] / samples, n / samples)
        for function, n in sorted(own.items(), key=lambda item: (-item[1], item[0]))[:top]
    ]
    return ProfileSummary(
        process,
        samples,
        idle,
        stages=[(name, n / samples) for name, n in stages.most_common()],
        rows=rows,
        hot=hot,
        packages=[(name, n / samples) for name, n in packages.most_common()],
        raw_path=raw_path,
    )


class Recording:
    """py-spy recording some processes at once, for ``duration`` seconds."""

    def __init__(self, pids: dict[str, int], out_dir: Path, duration: int, rate: int = 100) -> None:
        self.out_dir = out_dir
        self.duration = duration
        self._procs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in pids.items():
            path = out_dir / f"profile-{name}.txt"
            command = [
                str(VENV_BIN / "py-spy"),
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--output",
                str(path),
                "--duration",
                str(duration),
                "--rate",
                str(rate),
                "--nonblocking",
            ]
            log = open(out_dir / f"py-spy-{name}.log", "wb")  # noqa: SIM115
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            self._procs[name] = (proc, path)

    def finish(self, top: int = 15) -> list[ProfileSummary]:
        """Wait for the recordings; summarise each (a failed one says why)."""
        summaries = []
        for name, (proc, path) in self._procs.items():
            try:
                proc.wait(timeout=self.duration + 60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.returncode != 0 or not path.exists():
                log = (self.out_dir / f"py-spy-{name}.log").read_text(errors="replace")
                last = log.strip().splitlines()[-1] if log.strip() else f"exit {proc.returncode}"
                summaries.append(ProfileSummary(name, 0, note=f"py-spy failed: {last}"))
                continue
            summaries.append(summarise(name, path.read_text(errors="replace"), top, str(path)))
        return summaries

    def stop(self) -> None:
        """End every recording still running (on an interrupted run)."""
        for proc, _ in self._procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
