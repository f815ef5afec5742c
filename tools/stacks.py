"""A throwaway copy of the assistant for the evaluators (development tool)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from bot.processes.stack import Stack, free_port
from bot.settings import ENV_FILE_KEY, PROJECT_ROOT, load_settings


@contextmanager
def private_stack(name: str) -> Iterator[str]:
    """A throwaway assistant on free loopback ports with its own empty database.

    Yields the Rasa server's URL; logs go to ``var/log/<name>/``. For the evaluators,
    which must not notify the advisors configured in a developer's .env: the stack
    reads none.
    """
    with tempfile.TemporaryDirectory() as tmp:
        defaults = load_settings(read_dotenv=False)
        settings = replace(
            defaults,
            database_url=f"sqlite:///{tmp}/{name}.db",
            rasa_port=free_port(),
            action_port=free_port(),
            widget_port=free_port(),
            console=replace(defaults.console, port=free_port(), interface="127.0.0.1"),
            rasa_interface="127.0.0.1",
        )
        log_dir = PROJECT_ROOT / "var" / "log" / name
        with Stack(settings, log_dir=log_dir, extra_env={ENV_FILE_KEY: ""}):
            yield settings.rasa_url
