"""Where a turn's time goes: py-spy samples of the servers while users load them.

``py-spy record --pid <pid> --format raw --nonblocking`` (a sampling profiler from
outside the process: nothing in the servers changes, and ``--nonblocking`` does not
pause them to sample). Without ``--idle`` py-spy keeps only samples of a thread that
is running, so the shares are of CPU time: waiting for the action server, the database
or the network is not in them. The raw output (collapsed stacks, one "frame;frame;...
count" a line) is summarised into each function's inclusive share (samples with the
function anywhere on the stack) and self share (samples with it on top).
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


@dataclass(frozen=True)
class ProfileRow:
    """One function's share of the samples (0-1)."""

    function: str
    inclusive: float
    self_share: float


@dataclass(frozen=True)
class ProfileSummary:
    """The top functions of one process's profile."""

    process: str
    samples: int
    # By inclusive share, without the trunk every sample shares (module, main, the loop).
    rows: list[ProfileRow] = field(default_factory=list)
    # By self share: where the CPU actually is.
    hot: list[ProfileRow] = field(default_factory=list)
    # Self share by top-level package of the file (tensorflow, sqlalchemy, rasa, bot ...).
    packages: list[tuple[str, float]] = field(default_factory=list)
    raw_path: str = ""
    note: str = ""


# A function in at least this share of the samples is the trunk, not a finding.
TRUNK = 0.99


def _function(frame: str) -> str:
    return _LINE.sub(")", frame.strip())


def _package(function: str) -> str:
    # "iterencode (json/encoder.py)" -> "json"; "<module> (<string>)" -> "<string>"
    _, _, location = function.rpartition(" (")
    path = location.rstrip(")")
    return path.split("/", 1)[0] if "/" in path else path.removesuffix(".py")


def summarise(process: str, raw: str, top: int = 15, raw_path: str = "") -> ProfileSummary:
    """The top functions of py-spy's raw (collapsed) output, by inclusive and by self
    share, and the self share of each package."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        samples += count
        for function in set(frames):
            inclusive[function] += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
    if not samples:
        return ProfileSummary(process, 0, raw_path=raw_path, note="no samples")
    by_inclusive = sorted(inclusive.items(), key=lambda item: (-item[1], item[0]))
    rows = [
        ProfileRow(function, n / samples, own[function] / samples)
        for function, n in by_inclusive
        if n / samples < TRUNK
    ][:top]
    hot = [
        ProfileRow(function, inclusive[function] / samples, n / samples)
        for function, n in sorted(own.items(), key=lambda item: (-item[1], item[0]))[:top]
    ]
    shares = [(name, n / samples) for name, n in packages.most_common()]
    return ProfileSummary(process, samples, rows, hot, shares, raw_path)


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
