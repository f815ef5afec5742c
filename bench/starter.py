"""The baseline: Rasa's stock starter bot (``rasa init --no-prompt``), trained and served.

``rasa init --no-prompt --init-dir DIR`` (Rasa 3.6: the directory must exist) copies the
starter project into DIR and trains it with Rasa's default config (DIET, TEDPolicy ...);
the whole command is timed as the starter's training time. It is served as ours is: a
``rasa run`` with the REST channel on a free loopback port, without the HTTP API, with
its own in-memory tracker store and no action server (its script needs no actions).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.training import bench_env, timed_run, wait_for_http
from bot.processes.stack import VENV_BIN, free_port


@dataclass(frozen=True)
class StarterBuild:
    """A trained starter project."""

    directory: Path
    model: Path
    train_s: float | None  # None: an existing build was reused, not trained now

    @property
    def model_bytes(self) -> int:
        return self.model.stat().st_size


def _model_in(directory: Path) -> Path | None:
    models = sorted((directory / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def build_starter(directory: Path, log: Path, *, reuse: bool = False) -> StarterBuild:
    """Create and train the starter in ``directory`` (empty or missing), timed.

    With ``reuse``, a directory that already holds a trained starter is used as it is.
    """
    existing = _model_in(directory) if reuse else None
    if existing is not None:
        return StarterBuild(directory, existing, None)
    directory.mkdir(parents=True, exist_ok=True)
    command = [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(directory)]
    elapsed = timed_run(
        command, cwd=directory, env=bench_env(directory / ".rasa" / "cache"), log=log
    )
    model = _model_in(directory)
    if model is None:
        raise RuntimeError(f"rasa init left no model in {directory / 'models'} (see {log})")
    return StarterBuild(directory, model, elapsed)


@contextmanager
def serve_starter(build: StarterBuild, log: Path, timeout: float = 240.0) -> Iterator[str]:
    """Serve the starter's model on a free loopback port; yields its base URL."""
    port = free_port()
    command = [
        str(VENV_BIN / "rasa"),
        "run",
        "--model",
        str(build.model),
        "--credentials",
        str(build.directory / "credentials.yml"),
        "--endpoints",
        str(build.directory / "endpoints.yml"),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with open(log, "ab") as output:
        proc = subprocess.Popen(
            command,
            cwd=build.directory,
            env=bench_env(build.directory / ".rasa" / "cache"),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base_url}/webhooks/rest/", timeout, alive=lambda: proc.poll() is None)
        yield base_url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
