"""The scale-out stack (``make run-scaled``, ``bot.processes.scaled.ScaledStack``) for the
bench: one instance against two, behind nginx, on PostgreSQL and Redis.

Both runs are the same stack (nginx in front, PostgreSQL tracker store, Redis lock
store) with one or with two instances (action server, Rasa server, outbox worker each),
so their ratio is what the second instance adds, not what nginx or PostgreSQL cost.
Each gets a throwaway database and its own Redis key prefix. A scaled stack that is
already running is measured by its base URL instead (``--scaled-url``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.settings import ENV_FILE_KEY, Settings

REDIS_SERVER = "redis://127.0.0.1:6379/0"


class ScaledUnavailable(RuntimeError):
    """There is no scaled stack the bench can start."""


@contextmanager
def scaled_stack(
    settings: Settings, instances: int, log_dir: Path, timeout: float = 600.0
) -> Iterator[str]:
    """``instances`` instances behind nginx on ``settings`` (a PostgreSQL database, free
    ports); yields nginx's base URL and stops everything afterwards."""
    try:
        from bot.processes.scaled import ScaleConfig, ScaledStack
    except ImportError as exc:
        raise ScaledUnavailable(f"bot.processes.scaled cannot be used: {exc}") from None
    config = ScaleConfig(
        redis_url=os.environ.get("REDIS_URL", "").strip() or REDIS_SERVER,
        # Letters and digits only (Rasa's Redis lock store ignores other prefixes).
        key_prefix=f"bench{uuid.uuid4().hex[:8]}",
        instances=instances,
    )
    stack = ScaledStack(settings, config, log_dir, extra_env={ENV_FILE_KEY: ""})
    stack.start(timeout)
    try:
        yield stack.base_url
    finally:
        stack.stop()
