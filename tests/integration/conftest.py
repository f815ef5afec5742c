"""A private assistant (action server + Rasa server) on free loopback ports for the session."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.processes.stack import Stack, free_port
from bot.settings import PROJECT_ROOT, load_settings


@dataclass
class Assistant:
    """HTTP access to the running assistant."""

    base_url: str
    token: str
    database_url: str
    log_dir: Path
    env: dict[str, str]
    # The demo page with the chat widget.
    demo_url: str = ""
    # The staff console (bot/console/), on a free loopback port.
    console_url: str = ""
    # The processes themselves, for tests that stop or restart one of them.
    stack: Stack | None = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        url = f"{self.base_url}{path}"
        if token:
            url += ("&" if "?" in url else "?") + f"token={token}"
        req = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                payload = resp.read()
                return resp.status, json.loads(payload) if payload else None
        except urllib.error.HTTPError as err:
            payload = err.read()
            try:
                return err.code, json.loads(payload)
            except ValueError:
                return err.code, payload.decode(errors="replace")

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send one message over the REST channel; return the bot's replies."""
        status, replies = self.request(
            "POST", "/webhooks/rest/webhook", {"sender": sender, "message": message}
        )
        assert status == 200, (status, replies)
        return replies

    def texts(self, sender: str, message: str) -> str:
        """The bot's texts for one message, joined."""
        return "\n".join(r.get("text", "") for r in self.say(sender, message))


# Advisors always on duty: the handoff's wording does not depend on when the tests run.
ADVISORS_ALWAYS_ON = {"BUSINESS_HOURS": "Mon-Sun 00:00-23:59"}


@contextmanager
def running_assistant(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    extra_env: dict[str, str] | None = None,
    **overrides: Any,
) -> Iterator[Assistant]:
    """A private stack with its own SQLite database; ``overrides`` replace settings fields
    (the database too, e.g. a PostgreSQL URL), ``extra_env`` adds environment keys (e.g.
    notification relays)."""
    settings = load_settings()
    if not settings.model_path.exists():
        pytest.fail(f"no trained model at {settings.model_path}: run `make train` (make test does)")
    db_path: Path = tmp_path_factory.mktemp("db") / "assistant.db"
    settings = replace(
        settings,
        database_url=f"sqlite:///{db_path}",
        rasa_port=free_port(),
        action_port=free_port(),
        widget_port=free_port(),
        console=replace(settings.console, port=free_port(), interface="127.0.0.1"),
        rasa_interface="127.0.0.1",
        rasa_api_token=secrets.token_hex(16),
    )
    settings = replace(settings, **overrides)
    log_dir = PROJECT_ROOT / "var" / "log" / name
    stack = Stack(settings, log_dir=log_dir, extra_env=extra_env)
    stack.start()
    try:
        yield Assistant(
            settings.rasa_url,
            settings.rasa_api_token,
            settings.database_url,
            log_dir,
            stack.env(),
            demo_url=settings.widget_url,
            console_url=stack.console_url,
            stack=stack,
        )
    finally:
        stack.stop()


# The answers of a complete, consented lead form, one message each.
LEAD_FORM_ANSWERS = (
    "I'd like to talk to a person",
    "yes",
    "Anna Test",
    "anna.test@example.com",
    "email",
    "morning",
    "Switzerland",
)


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory, "pytest") as running:
        yield running
