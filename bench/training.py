"""Training time and model size of our assistant, and the environment both bots train in.

``rasa train`` of the project into a temporary ``--out`` (never ``models/``), with an
empty cache of its own: Rasa 3 caches trained components (``.rasa/cache``, or
``RASA_CACHE_DIRECTORY``) and would otherwise "train" in seconds after any earlier run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from bot.processes.stack import VENV_BIN
from bot.settings import PROJECT_ROOT

CACHE_ENV = "RASA_CACHE_DIRECTORY"


def bench_env(cache_dir: Path) -> dict[str, str]:
    """The environment of a training or a starter server: quiet, offline, own cache."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore::DeprecationWarning,ignore::PendingDeprecationWarning",
    )
    env[CACHE_ENV] = str(cache_dir)
    return env


@dataclass(frozen=True)
class TrainResult:
    """Our model, freshly trained."""

    model: Path
    train_s: float

    @property
    def model_bytes(self) -> int:
        return self.model.stat().st_size


def train_assistant(out_dir: Path, log: Path, threads: int = 2) -> TrainResult:
    """``rasa train`` of the project into ``out_dir`` from an empty cache, timed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(VENV_BIN / "rasa"),
        "train",
        "--fixed-model-name",
        "bench",
        "--out",
        str(out_dir),
        "--num-threads",
        str(threads),
    ]
    elapsed = timed_run(command, cwd=PROJECT_ROOT, env=bench_env(out_dir / "cache"), log=log)
    return TrainResult(out_dir / "bench.tar.gz", elapsed)


def timed_run(command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run ``command`` to its end (output appended to ``log``); the seconds it took.

    On a machine shared by several people, ``rasa`` may be a wrapper that waits for a
    training lock (``flock``) before it starts: that wait is not training, so the clock
    starts when flock's child, the real command, does.
    """
    with open(log, "ab") as output:
        # Its own process group: an interrupted bench ends the whole training (flock's
        # child too), not just the process it started.
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = time.monotonic()
    try:
        while proc.poll() is None:
            try:
                waiter = psutil.Process(proc.pid)
                name = waiter.name()
                # A shell wrapper that has not exec'd yet, or flock without a child: waiting.
                if name not in ("bash", "sh", "flock") or waiter.children():
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.1)
            started = time.monotonic()
        returncode = proc.wait()
    except BaseException:
        _stop_group(proc)
        raise
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, command)
    return time.monotonic() - started


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for_http(url: str, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Wait until ``url`` answers 200; fail early when ``alive()`` turns false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for {url} exited before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
