"""``make run``: the assistant in the foreground, supervised, with the retention purge.

Starts the stack (``bot.processes.stack``), prints where to talk to it, restarts a
child that dies (with a doubling pause, logged at ERROR; one that keeps dying stops the
run), deletes expired conversations at start and once a day, and stops everything on
Ctrl-C, SIGTERM or a closed terminal.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.clinic.facts import ClinicFileError, configured_clinic
from bot.handoff.hours import parse_business_hours
from bot.privacy.retention import purge_expired
from bot.processes.stack import Stack, StackError, console_url
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.store.db import engine_for, session_scope
from bot.store.models import StaffUser

logger = logging.getLogger(__name__)

# Expired conversations are deleted at start and then once a day (bot/privacy/retention.py).
PURGE_INTERVAL_SECONDS = 24 * 3600
RUN_LOG_DIR = PROJECT_ROOT / "var" / "log" / "run"


class KeepsDying(RuntimeError):
    """A child died too often in too short a time: restarting it is no use."""


class Restarts:
    """When to restart a dead child: after a doubling pause, and not for ever.

    A child that dies ``MAX_RESTARTS`` times within ``WINDOW_SECONDS`` stops the run with
    a clear message instead of flapping.
    """

    FIRST_DELAY_SECONDS = 1.0
    MAX_DELAY_SECONDS = 30.0
    MAX_RESTARTS = 5
    WINDOW_SECONDS = 600.0

    def __init__(self) -> None:
        self._deaths: dict[str, list[float]] = {}

    def record(self, name: str, now: float) -> float:
        """Note a death of ``name`` at ``now``; the pause before its restart."""
        deaths = [t for t in self._deaths.get(name, []) if now - t < self.WINDOW_SECONDS]
        deaths.append(now)
        self._deaths[name] = deaths
        if len(deaths) > self.MAX_RESTARTS:
            raise KeepsDying(
                f"the {name} server died {len(deaths)} times within "
                f"{self.WINDOW_SECONDS / 60:.0f} minutes; see its log"
            )
        return min(self.MAX_DELAY_SECONDS, self.FIRST_DELAY_SECONDS * 2 ** (len(deaths) - 1))


class Supervised(Protocol):
    """What ``supervise`` needs of a stack (``Stack`` or the scaled one)."""

    settings: Settings

    def start(self) -> None: ...
    def exited(self) -> list[tuple[str, int]]: ...
    def restart(self, name: str) -> None: ...
    def stop(self) -> None: ...


def supervise(
    stack: Supervised, starting: str, running: Callable[[], list[str]], log_dir: Path
) -> int:
    """Start ``stack``, print ``starting`` then the ``running()`` lines, restart a child
    that dies (doubling pause, logged at ERROR), purge expired conversations daily, and
    stop everything on Ctrl-C, SIGTERM or a closed terminal. Returns the exit code."""
    stopping = False

    def _request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    # A closed terminal (SIGHUP) must stop the servers too, not orphan them.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _request_stop)
    print(starting, flush=True)
    try:
        stack.start()
    except StackError as exc:
        print(f"Could not start: {exc}; see {log_dir.relative_to(PROJECT_ROOT)}/", file=sys.stderr)
        return 1
    print("\n".join(running()), flush=True)
    print("Press Ctrl-C to stop.\n", flush=True)
    next_purge = time.monotonic()
    restarts = Restarts()
    try:
        while not stopping:
            for name, code in stack.exited():
                delay = restarts.record(name, time.monotonic())
                # ERROR: the operator must look at why it died, even though it comes back.
                logger.error(
                    "%s server exited with code %s; restarting it in %.0f s", name, code, delay
                )
                time.sleep(delay)
                stack.restart(name)
                logger.error("%s server restarted", name)
            if time.monotonic() >= next_purge:
                _purge(stack.settings)
                next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
            time.sleep(0.5)
    except (StackError, KeepsDying) as exc:
        print(f"Stopped: {exc}", file=sys.stderr, flush=True)
        stack.stop()
        return 1
    print("\nStopping ...", flush=True)
    stack.stop()
    print("Stopped.", flush=True)
    return 0


def run(settings: Settings) -> int:
    """Run until stopped; the exit code says whether it stopped cleanly."""
    # The servers' own output goes to files: the terminal shows what the user needs.
    stack = Stack(settings, log_dir=RUN_LOG_DIR)
    return supervise(
        stack,
        "Loading the model and starting the servers (about a minute) ...",
        lambda: [
            "\nThe assistant is running.",
            *addresses(settings, staff_exists=_staff_exists(settings)),
        ],
        RUN_LOG_DIR,
    )


def addresses(settings: Settings, *, staff_exists: bool = True) -> list[str]:
    """Where to reach the assistant: one line per way in (with how to get into the staff
    console when nobody can sign in yet)."""
    url = settings.rasa_url
    lines = [
        f"  demo page: {settings.widget_url}/  (a clinic's page with the chat widget)",
        f'  REST:      POST {url}/webhooks/rest/webhook  {{"sender": "me", "message": "hello"}}',
        f"  socket.io: {url}/socket.io  (the widget's channel)",
    ]
    if settings.telegram is not None:
        registered = settings.telegram.webhook_url or "not registered: set TELEGRAM_WEBHOOK_URL"
        lines.append(f"  Telegram:  {url}/webhooks/telegram/webhook  (public URL: {registered})")
    if settings.whatsapp is not None:
        lines.append(
            f"  WhatsApp:  {url}/webhooks/whatsapp/webhook  (set it as the callback URL in Meta's app)"
        )
    lines.append(f"  console:   {console_url(settings)}/  (staff: conversations, leads, inbox)")
    if not staff_exists:
        lines.append("             no staff account yet: create one with `make staff-user`")
    lines += [
        "  terminal:  make shell (in another terminal)",
        "  advisors:  .venv/bin/python -m bot.handoff.advisor list|show|claim|reply|handback"
        " (needs RASA_API_TOKEN)",
        f"  logs:      {RUN_LOG_DIR.relative_to(PROJECT_ROOT)}/",
    ]
    return lines


def _staff_exists(settings: Settings) -> bool:
    """Whether anyone can sign in to the console (True when the database cannot say:
    the hint is for a fresh install, not for a database having a bad moment)."""
    try:
        with session_scope(settings.database_url) as session:
            return session.execute(select(StaffUser.id).limit(1)).first() is not None
    except SQLAlchemyError:
        return True


def _purge(settings: Settings) -> None:
    # A failed purge must not stop the assistant; the next one catches up.
    try:
        report = purge_expired(engine_for(settings.database_url), settings.retention_days)
    except SQLAlchemyError as exc:
        print(f"Retention purge failed: {type(exc).__name__}", file=sys.stderr, flush=True)
        return
    if report.conversations or any(report.records.values()):
        print(
            f"Retention: deleted {report.conversations} conversations older than "
            f"{settings.retention_days} days.",
            flush=True,
        )


def checked_settings() -> Settings:
    """The settings, every value checked before anything starts.

    ``load_settings`` checks formats; values whose meaning belongs to a capability are
    checked by it here (business hours and their time zone; the facts in clinic.yml), so
    that a bad value stops `make run` with a message naming the key, not a lead form that
    fails later.
    """
    settings = load_settings()
    parse_business_hours(settings.handoff.business_hours, settings.handoff.timezone)
    configured_clinic(settings)
    return settings


def main() -> int:
    """``python -m bot.processes.run``; exit code 2 for a configuration error."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # `make migrate` has reported the migrations already; here they would be noise.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = checked_settings()
    except ClinicFileError as exc:
        print(f"Configuration error: {exc}. Fix it in {exc.path.name}.", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"Configuration error: {exc}. Fix it in .env or the environment.", file=sys.stderr)
        return 2
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
