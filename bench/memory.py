"""Peak memory (RSS) of each server process, sampled with psutil in a background thread.

The bench's own child processes are named by a ``labeller`` (e.g. "ours/rasa" from a
command line); an unnamed child (a wrapper, a supervisor) is looked into for named ones.
A named process counts with all its descendants, so a server that forks workers is
measured whole. Sampling starts before the servers do, so that loading the model is
inside the peak.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

import psutil

Labeller = Callable[[psutil.Process], "str | None"]
MB = 1024 * 1024


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for member in [proc, *proc.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class MemorySampler:
    """Samples the named processes every ``interval`` seconds; keeps each name's peak
    and, per bot (the part of a name before "/"), the peak of their sum."""

    def __init__(self, labeller: Labeller, interval: float = 0.25) -> None:
        self.labeller = labeller
        self.interval = interval
        self.peaks: dict[str, int] = {}
        self.total_peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def sample(self) -> dict[str, int]:
        """One sample: RSS in bytes by name, and update the peaks."""
        current: dict[str, int] = {}
        pending = psutil.Process().children()
        while pending:
            proc = pending.pop()
            try:
                label = self.labeller(proc)
                if label is None:
                    pending.extend(proc.children())
                    continue
                current[label] = current.get(label, 0) + _tree_rss(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        totals: dict[str, int] = {}
        for label, rss in current.items():
            self.peaks[label] = max(self.peaks.get(label, 0), rss)
            bot = label.split("/", 1)[0]
            totals[bot] = totals.get(bot, 0) + rss
        for bot, rss in totals.items():
            self.total_peaks[bot] = max(self.total_peaks.get(bot, 0), rss)
        return current

    def peaks_mb(self, bot: str) -> dict[str, float]:
        """Peak RSS in MB of each of ``bot``'s processes, plus their summed peak ("all")."""
        prefix = f"{bot}/"
        found = {
            label.removeprefix(prefix): rss / MB
            for label, rss in sorted(self.peaks.items())
            if label.startswith(prefix)
        }
        if bot in self.total_peaks:
            found["all"] = self.total_peaks[bot] / MB
        return found

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def command_labeller(patterns: dict[str, tuple[str, ...]]) -> Labeller:
    """A labeller naming a process by the first pattern whose words all occur in its
    command line (``{"ours/rasa": ("components.rasa_server",)}``)."""

    def label(proc: psutil.Process) -> str | None:
        cmdline = " ".join(proc.cmdline())
        for name, words in patterns.items():
            if all(word in cmdline for word in words):
                return name
        return None

    return label


def find_pids(labeller: Labeller) -> dict[str, int]:
    """The pid of each named process among this process's descendants (the first found)."""
    found: dict[str, int] = {}
    for proc in psutil.Process().children(recursive=True):
        try:
            label = labeller(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if label is not None and label not in found:
            found[label] = proc.pid
    return found
