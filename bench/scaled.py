"""The hook for the scale-out stack (``make run-scaled``: two Rasa and two action servers
behind nginx, PostgreSQL, Redis), measured against one instance.

The bench needs only a base URL that serves the REST channel, so there are two ways in:

- ``--scaled-url URL``: a scaled stack that is already running (any load balancer).
- ``--scaled``: the bench starts one through ``bot.processes.scaled``. That module is
  being written alongside; the bench expects it to offer ``bench_stack(log_dir)``, a
  context manager that starts the stack on free ports with the limits the bench asks
  for and yields its base URL. Until it does, ``--scaled`` says so in the report.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager
from pathlib import Path

MODULE = "bot.processes.scaled"
ENTRY = "bench_stack"


class ScaledUnavailable(RuntimeError):
    """There is no scaled stack the bench can start."""


def scaled_stack(log_dir: Path) -> AbstractContextManager[str]:
    """``bot.processes.scaled.bench_stack(log_dir)``: the scaled stack, yielding its base URL."""
    try:
        module = importlib.import_module(MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != MODULE:
            raise
        raise ScaledUnavailable(f"{MODULE.replace('.', '/')}.py does not exist yet") from None
    entry = getattr(module, ENTRY, None)
    if entry is None:
        raise ScaledUnavailable(f"{MODULE} has no {ENTRY}(log_dir) for the bench yet")
    return entry(log_dir)
